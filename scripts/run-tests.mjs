// Runs one suite (unit | integration | e2e | security) with Node's test runner.
// Node 20 has no glob support for --test, so the files are found here.
//   unit:        **/__tests__/**/*.test.ts beside the code (pure, no Docker)
//   integration: test/integration/**/*.test.ts (the real Docker engine)
//   e2e:         test/e2e/**/*.test.ts (the built site in Chromium)
//   security:    test/security/**/*.test.ts (attacks against a real server)
//   cluster:     test/cluster/**/*.test.ts (nginx, Redis and three engines: npm run cluster)
import {spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {join} from 'node:path';

const suite = process.argv[2];
const roots = {
  unit: ['config', 'protocol', 'plugin', 'server', 'client', 'theme', 'vitepress', 'bench', 'cluster', 'test/unit'],
  integration: ['test/integration'],
  e2e: ['test/e2e'],
  security: ['test/security'],
  cluster: ['test/cluster'],
}[suite];
if (!roots) {
  console.error(`usage: run-tests.mjs unit|integration|e2e|security|cluster (got ${suite})`);
  process.exit(2);
}

function find(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, {withFileTypes: true});
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '__fixtures__') find(path, out);
    } else if (entry.name.endsWith('.test.ts') && (suite !== 'unit' || path.includes('__tests__') || path.startsWith('test/unit'))) {
      out.push(path);
    }
  }
  return out;
}

const files = roots.flatMap((root) => find(root, [])).sort();
if (files.length === 0) {
  console.error(`no ${suite} test files found`);
  process.exit(1);
}
const extra = process.argv.slice(3);
const started = Date.now();
const {status} = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--expose-gc', '--test', '--test-reporter=spec', '--test-concurrency=1', ...extra, ...files],
  {stdio: 'inherit'},
);
console.log(`[${suite}] ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(status ?? 1);
