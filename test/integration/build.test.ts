/**
 * `docusaurus build` of the demo site with the plugin:
 * the build succeeds, every manifest block's code is on the page built from
 * its source, the manifest lists every block of the sources, a warm rebuild
 * writes the same bytes, and a site with one bad fence stops with its place.
 *
 * Each site is built from a copy under .cache/ (inside the repository so the
 * package resolves from node_modules): the first build is really cold, and
 * parallel work in site/ neither disturbs nor is disturbed by these builds.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {MANIFEST_FILE, type SandboxBlock, type SandboxManifest} from '../../config/block.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workDir = join(root, '.cache', `build-test-${process.pid}`);
const docusaurus = join(root, 'node_modules', '.bin', 'docusaurus');
const SOURCE_DIRS = ['docs', 'blog', join('src', 'pages')];

function run(command: string, args: string[], cwd: string) {
  const started = Date.now();
  const result = spawnSync(command, args, {cwd, encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, env: {...process.env, FORCE_COLOR: '0', NO_COLOR: '1'}});
  return {status: result.status, output: `${result.stdout}\n${result.stderr}`, seconds: (Date.now() - started) / 1000};
}

function copySite(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (path) => !['build', '.docusaurus', 'node_modules'].includes(relative(from, path).split(sep)[0] ?? ''),
  });
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/**
 * Counts blocks in the sources independently of the plugin's parser: opening
 * ```sandbox fences and :::sandbox lines, skipping anything inside another
 * fence (an example shown in a longer outer fence is not a block).
 */
function countBlocks(text: string): number {
  let count = 0;
  let open: {char: string; length: number} | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open) {
      if (fence && fence[1]![0] === open.char && fence[1]!.length >= open.length && fence[2] === '') open = undefined;
      continue;
    }
    if (fence) {
      open = {char: fence[1]![0]!, length: fence[1]!.length};
      if (fence[2] === 'sandbox') count += 1;
    } else if (/^\s*:{3,}sandbox(?:[[{\s]|$)/.test(line)) {
      count += 1;
    }
  }
  return count;
}

/** `@site/docs/x.md` → permalink, from the metadata Docusaurus generated for the build. */
function permalinks(siteDir: string): Map<string, string> {
  const map = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.source === 'string' && typeof record.permalink === 'string') map.set(record.source, record.permalink);
      Object.values(record).forEach(visit);
    }
  };
  for (const file of walk(join(siteDir, '.docusaurus')).filter((path) => path.endsWith('.json'))) {
    visit(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  }
  return map;
}

function pageFile(buildDir: string, permalink: string): string {
  const candidates = [join(buildDir, permalink, 'index.html'), join(buildDir, `${permalink.replace(/\/$/, '')}.html`)];
  const found = candidates.find((path) => existsSync(path));
  assert.ok(found, `no HTML page for ${permalink}`);
  return found;
}

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' '};

/** What a reader sees: tags stripped (Prism splits code into spans), entities decoded, whitespace dropped. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
      return ENTITIES[entity.toLowerCase()] ?? match;
    })
    .replace(/\s+/g, '');
}

describe('docusaurus build with docusaurus-sandbox', {timeout: 8 * 60_000}, () => {
  const siteDir = join(workDir, 'site');
  const badSiteDir = join(workDir, 'bad-site');
  let cold: ReturnType<typeof run>;
  let manifestText = '';

  before(() => {
    rmSync(workDir, {recursive: true, force: true});
    mkdirSync(workDir, {recursive: true});
    const packageBuild = run(process.execPath, ['scripts/build.mjs'], root);
    assert.equal(packageBuild.status, 0, `npm run build failed:\n${packageBuild.output}`);
    copySite(join(root, 'site'), siteDir);
    copySite(join(root, 'test', 'fixtures', 'bad-site'), badSiteDir);
    cold = run(docusaurus, ['build'], siteDir);
    if (cold.status === 0) manifestText = readFileSync(join(siteDir, 'build', MANIFEST_FILE), 'utf8');
  });

  after(() => rmSync(workDir, {recursive: true, force: true}));

  it('builds the demo site', () => {
    // Docusaurus's generated route registry breaks when the site's package.json says "type": "module".
    const hint = cold.output.includes('require.resolveWeak is not a function') ? '\nhint: remove "type": "module" from site/package.json' : '';
    assert.equal(cold.status, 0, `docusaurus build failed:\n${cold.output.slice(-6000)}${hint}`);
    assert.match(manifestText, /^\{\n {2}"version": 1,/);
  });

  it('lists every block of the sources once', () => {
    const manifest = JSON.parse(manifestText) as SandboxManifest;
    const expected = new Map<string, number>();
    for (const dir of SOURCE_DIRS) {
      for (const file of walk(join(siteDir, dir)).filter((path) => /\.mdx?$/.test(path))) {
        const count = countBlocks(readFileSync(file, 'utf8'));
        if (count > 0) expected.set(relative(siteDir, file).split(sep).join('/'), count);
      }
    }
    const actual = new Map<string, number>();
    for (const block of manifest.blocks) actual.set(block.source, (actual.get(block.source) ?? 0) + 1);
    assert.deepEqual([...actual].sort(), [...expected].sort());
    assert.ok(manifest.blocks.length >= 10, `only ${manifest.blocks.length} blocks`);
    assert.equal(new Set(manifest.blocks.map((block) => block.id)).size, manifest.blocks.length, 'ids are unique');
    assert.ok(expected.has('docs/reference/authoring.md'), 'the syntax page is part of the fixture');
    // serve serves the site and its API under the build's baseUrl, read from here.
    assert.equal(manifest.baseUrl, '/');
  });

  it('puts each block, with its code, on the page built from its source', () => {
    const manifest = JSON.parse(manifestText) as SandboxManifest;
    const links = permalinks(siteDir);
    const pages = new Map<string, string>();
    const check = (block: SandboxBlock) => {
      const permalink = links.get(`@site/${block.source}`);
      assert.ok(permalink, `no permalink for ${block.source}`);
      const file = pageFile(join(siteDir, 'build'), permalink);
      if (!pages.has(file)) pages.set(file, readFileSync(file, 'utf8'));
      const html = pages.get(file)!;
      assert.ok(html.includes(`data-sandbox-id="${block.id}"`), `block ${block.id} (${block.source}:${block.line}) is not on ${permalink}`);
      const text = visibleText(html);
      for (const visible of block.files.filter((item) => !item.hidden)) {
        assert.ok(
          text.includes(visible.content.replace(/\s+/g, '')),
          `the code of ${visible.path} (block ${block.id}, ${block.source}:${block.line}) is not on ${permalink}`,
        );
      }
    };
    manifest.blocks.forEach(check);
  });

  it('writes a byte-identical manifest on a warm rebuild', () => {
    const warm = run(docusaurus, ['build'], siteDir);
    assert.equal(warm.status, 0, `warm build failed:\n${warm.output.slice(-4000)}`);
    assert.equal(readFileSync(join(siteDir, 'build', MANIFEST_FILE), 'utf8'), manifestText);
    assert.ok(warm.seconds < cold.seconds, `the second build (${warm.seconds} s) should use the cache (cold ${cold.seconds} s)`);
  });

  it('stops a site with a bad fence, printing the place and the reason', () => {
    const bad = run(docusaurus, ['build'], badSiteDir);
    assert.notEqual(bad.status, 0);
    assert.match(bad.output, /docs\/bad\.md:9:3: the file path "\.\.\/outside\.sh" contains a "\.\." segment; files must stay inside \/workspace/);
    assert.equal(existsSync(join(badSiteDir, 'build', MANIFEST_FILE)), false);
  });
});
