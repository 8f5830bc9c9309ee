/**
 * `npm run bench -- vitepress`: the VitePress demo (site-vitepress/) built
 * with `withSandbox` and `enhanceAppWithSandbox`, and the same site without
 * them, in the same run, alternating rounds (BENCH_ROUNDS, default 3) so a
 * change of load hits both. Prints the medians and the overhead ratio and
 * writes JSON to bench/results/. Both sites are made under .cache/ inside the
 * repository (so they resolve docusaurus-sandbox and VitePress from its
 * node_modules), their pages being the demo's with its includes resolved.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = fileURLToPath(new URL('../../', import.meta.url));
const demo = join(root, 'site-vitepress');
const workDir = join(root, '.cache', `bench-vitepress-${process.pid}`);
const vitepress = join(root, 'node_modules', '.bin', 'vitepress');

type Variant = 'with' | 'without';

const INCLUDE = /<!--\s*@include:\s*(.*?)\s*-->/g;

/** The demo's Markdown pages, below `dir`, relative paths. */
function pages(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), {withFileTypes: true}).flatMap((entry) => {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') || entry.name === 'node_modules' ? [] : pages(dir, path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/**
 * The demo as one variant: pages copied with their includes inlined (they
 * point outside the copy), the sandbox config beside them; without the plugin
 * the config and the theme are VitePress's own.
 */
function makeSite(variant: Variant): string {
  const dir = join(workDir, variant);
  mkdirSync(join(dir, '.vitepress', 'theme'), {recursive: true});
  for (const page of pages(demo)) {
    const source = join(demo, page);
    const text = readFileSync(source, 'utf8').replace(INCLUDE, (_, target: string) =>
      readFileSync(join(dirname(source), target), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, ''),
    );
    mkdirSync(dirname(join(dir, page)), {recursive: true});
    writeFileSync(join(dir, page), text);
  }
  cpSync(join(root, 'site', 'sandbox.config.json'), join(dir, 'sandbox.config.json'));
  const config = readFileSync(join(demo, '.vitepress', 'config.ts'), 'utf8').replace("{configFile: '../site/sandbox.config.json'}", '{}');
  const theme = readFileSync(join(demo, '.vitepress', 'theme', 'index.ts'), 'utf8');
  if (variant === 'with') {
    writeFileSync(join(dir, '.vitepress', 'config.ts'), config);
    writeFileSync(join(dir, '.vitepress', 'theme', 'index.ts'), theme);
  } else {
    const plain = config
      .replace("import {withSandbox} from 'docusaurus-sandbox/vitepress';\n", '')
      .replace('export default withSandbox(\n', 'export default (\n')
      .replace(/,\n\s*\{\},\n\);\s*$/, ',\n);\n');
    if (/withSandbox\(|from 'docusaurus-sandbox/.test(plain)) throw new Error('the demo config changed shape; update the bench');
    writeFileSync(join(dir, '.vitepress', 'config.ts'), plain);
    writeFileSync(join(dir, '.vitepress', 'theme', 'index.ts'), "import DefaultTheme from 'vitepress/theme';\n\nexport default DefaultTheme;\n");
  }
  return dir;
}

function build(dir: string): number {
  rmSync(join(dir, '.vitepress', 'dist'), {recursive: true, force: true});
  rmSync(join(dir, '.vitepress', 'cache'), {recursive: true, force: true});
  const started = process.hrtime.bigint();
  const result = spawnSync(vitepress, ['build'], {cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, env: {...process.env, NO_COLOR: '1'}});
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`the build of ${relative(root, dir)} failed:\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

rmSync(workDir, {recursive: true, force: true});
try {
  const packageBuild = spawnSync(process.execPath, ['scripts/build.mjs'], {cwd: root, stdio: 'inherit'});
  if (packageBuild.status !== 0) throw new Error('npm run build failed');
  const sites = {with: makeSite('with'), without: makeSite('without')};
  const times: Record<Variant, number[]> = {with: [], without: []};
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const variant of round % 2 === 1 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      times[variant].push(build(sites[variant]));
      console.log(`round ${round}, ${variant} the plugin: ${times[variant].at(-1)!.toFixed(2)} s`);
    }
  }
  const manifest = JSON.parse(readFileSync(join(sites.with, '.vitepress', 'dist', 'sandbox-manifest.json'), 'utf8')) as {blocks: unknown[]};
  const withSeconds = median(times.with);
  const withoutSeconds = median(times.without);
  const overhead = withSeconds / withoutSeconds - 1;
  console.log(`median without: ${withoutSeconds.toFixed(2)} s, with: ${withSeconds.toFixed(2)} s (${manifest.blocks.length} blocks); overhead ${(overhead * 100).toFixed(1)} %`);
  const results = join(root, 'bench', 'results');
  mkdirSync(results, {recursive: true});
  const file = join(results, `vitepress-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {bench: 'vitepress', date: new Date().toISOString(), rounds: ROUNDS, pages: pages(demo).length, manifestBlocks: manifest.blocks.length, times, withSeconds, withoutSeconds, overhead, cpus: cpus().length, node: process.version},
      null,
      2,
    )}\n`,
  );
  console.log(`results: ${file}`);
} finally {
  rmSync(workDir, {recursive: true, force: true});
}
