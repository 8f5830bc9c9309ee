/**
 * `npm run bench -- build`: a generated site of 200 pages × 5 sandbox blocks,
 * built cold with and without the plugin in the same run. Prints the overhead
 * ratio (target ≤ 10 %) and writes JSON to bench/results/.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {generateSite, type Variant} from './generate.js';

const PAGES = Number(process.env.BENCH_PAGES ?? 200);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 5);
const TARGET = 0.1;

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository so the sites resolve docusaurus-sandbox from node_modules.
const workDir = join(root, '.cache', `bench-build-${process.pid}`);
const docusaurus = join(root, 'node_modules', '.bin', 'docusaurus');

/** Webpack's own compile times from the build log, to tell bundling from the rest (SSG, postBuild). */
function compileSeconds(log: string): {server?: number; client?: number} {
  const units: Record<string, number> = {ms: 0.001, s: 1, m: 60};
  const read = (name: string) => {
    // webpackbar prints e.g. "Client: Compiled successfully in 54.02s" or "in 1.19m".
    const match = new RegExp(`${name}: Compiled [^\\n]*? in ([\\d.]+)(ms|s|m)\\b`).exec(log);
    return match ? Number(match[1]) * units[match[2]!]! : undefined;
  };
  const server = read('Server');
  const client = read('Client');
  return {...(server !== undefined ? {server} : {}), ...(client !== undefined ? {client} : {})};
}

function build(variant: Variant): {seconds: number; blocks: number; compile: {server?: number; client?: number}} {
  const dir = join(workDir, variant);
  generateSite(dir, variant, PAGES, BLOCKS);
  const started = process.hrtime.bigint();
  const result = spawnSync(docusaurus, ['build'], {cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, env: {...process.env, NO_COLOR: '1'}});
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`the "${variant}" build failed:\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`);
  const blocks =
    variant === 'with' ? (JSON.parse(readFileSync(join(dir, 'build', 'sandbox-manifest.json'), 'utf8')) as {blocks: unknown[]}).blocks.length : 0;
  return {seconds, blocks, compile: compileSeconds(`${result.stdout}\n${result.stderr}`)};
}

rmSync(workDir, {recursive: true, force: true});
try {
  const packageBuild = spawnSync(process.execPath, ['scripts/build.mjs'], {cwd: root, stdio: 'inherit'});
  if (packageBuild.status !== 0) throw new Error('npm run build failed');
  console.log(`building ${PAGES} pages × ${BLOCKS} blocks, without and with the plugin (cold builds)…`);
  const without = build('without');
  console.log(`without plugin: ${without.seconds.toFixed(1)} s (webpack server ${without.compile.server} s, client ${without.compile.client} s)`);
  const withPlugin = build('with');
  console.log(
    `with plugin:    ${withPlugin.seconds.toFixed(1)} s (webpack server ${withPlugin.compile.server} s, client ${withPlugin.compile.client} s; ${withPlugin.blocks} blocks in the manifest)`,
  );
  const overhead = withPlugin.seconds / without.seconds - 1;
  console.log(`overhead: ${(overhead * 100).toFixed(1)} % (target ≤ ${TARGET * 100} %) ${overhead <= TARGET ? 'OK' : 'OVER TARGET'}`);
  const results = join(root, 'bench', 'results');
  mkdirSync(results, {recursive: true});
  const file = join(results, `build-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bench: 'build',
        date: new Date().toISOString(),
        pages: PAGES,
        blocksPerPage: BLOCKS,
        manifestBlocks: withPlugin.blocks,
        withoutSeconds: without.seconds,
        withSeconds: withPlugin.seconds,
        withoutCompile: without.compile,
        withCompile: withPlugin.compile,
        overhead,
        target: TARGET,
        cpus: cpus().length,
        node: process.version,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results: ${file}`);
  if (withPlugin.blocks !== PAGES * BLOCKS) throw new Error(`the manifest has ${withPlugin.blocks} blocks, expected ${PAGES * BLOCKS}`);
} finally {
  rmSync(workDir, {recursive: true, force: true});
}
