/**
 * `docusaurus build` of a site that owns its MDXComponents (ejected from
 * theme-classic, knowing no `Sandbox`): its pages with blocks build with no
 * extra step and show each block, because the remark plugin imports
 * `@theme/Sandbox` into them. And a build with bad fences on two pages names
 * every one of them, each with its place.
 *
 * It lives with the integration suite, beside the demo site's build test,
 * because a Docusaurus build takes a minute; it needs no Docker. The site is
 * built from a copy inside the repository (so the package resolves from
 * node_modules) and without webpack's persistent cache, which a copy of a site
 * in the same workspace would otherwise share and break on.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {MANIFEST_FILE, type SandboxManifest} from '../../config/block.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'plugin', '__tests__', '__fixtures__', 'ejected-mdx-site');
const workDir = join(root, '.cache', `ejected-mdx-test-${process.pid}`);
const docusaurus = join(root, 'node_modules', '.bin', 'docusaurus');

function build(siteDir: string) {
  const result = spawnSync(docusaurus, ['build'], {
    cwd: siteDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 ** 2,
    env: {...process.env, FORCE_COLOR: '0', NO_COLOR: '1', DOCUSAURUS_NO_PERSISTENT_CACHE: 'true'},
  });
  return {status: result.status, output: `${result.stdout}\n${result.stderr}`};
}

describe('docusaurus build of a site with its own MDXComponents', {timeout: 8 * 60_000}, () => {
  const siteDir = join(workDir, 'site');
  const badSiteDir = join(workDir, 'bad-site');

  before(() => {
    rmSync(workDir, {recursive: true, force: true});
    mkdirSync(workDir, {recursive: true});
    const packageBuild = spawnSync(process.execPath, ['scripts/build.mjs'], {cwd: root, encoding: 'utf8'});
    assert.equal(packageBuild.status, 0, `npm run build failed:\n${packageBuild.stdout}\n${packageBuild.stderr}`);
    cpSync(fixture, siteDir, {recursive: true});
    cpSync(fixture, badSiteDir, {recursive: true});
  });

  after(() => rmSync(workDir, {recursive: true, force: true}));

  it('builds, and every block of the manifest is on its page', () => {
    const {status, output} = build(siteDir);
    assert.equal(status, 0, `docusaurus build failed:\n${output.slice(-6000)}`);
    const manifest = JSON.parse(readFileSync(join(siteDir, 'build', MANIFEST_FILE), 'utf8')) as SandboxManifest;
    assert.deepEqual(
      manifest.blocks.map((block) => [block.source, block.line]),
      [
        ['docs/index.mdx', 7],
        ['docs/index.mdx', 11],
        ['docs/plain.md', 9],
      ],
    );
    const pages: Record<string, string> = {'docs/index.mdx': 'index.html', 'docs/plain.md': join('plain', 'index.html')};
    for (const block of manifest.blocks) {
      const html = readFileSync(join(siteDir, 'build', pages[block.source]!), 'utf8');
      assert.ok(html.includes(`data-sandbox-id="${block.id}"`), `block ${block.source}:${block.line} is not rendered as a sandbox`);
    }
  });

  it('reports every bad fence of the build, each with its place, and writes no manifest', () => {
    writeFileSync(
      join(badSiteDir, 'docs', 'bad-one.md'),
      '# One\n\n```sandbox env=ruby\necho 1\n```\n\n```sandbox title=Hello world\necho 2\n```\n',
    );
    writeFileSync(join(badSiteDir, 'docs', 'bad-two.mdx'), '# Two\n\n```sandbox timeout=soon\necho 3\n```\n');
    const {status, output} = build(badSiteDir);
    assert.notEqual(status, 0);
    for (const expected of [
      'docs/bad-one.md:3:1: unknown env "ruby"; use one of shell, node, python or add it to sandbox.config.json',
      'docs/bad-one.md:7:1: unknown option "world"; a value with spaces needs double quotes: write title="Hello world"',
      'docs/bad-two.mdx:3:1: timeout=soon is not a duration; write e.g. timeout=30s or timeout=2m',
    ]) {
      assert.ok(output.includes(expected), `the build output lacks: ${expected}\n${output.slice(-6000)}`);
    }
    assert.equal(existsSync(join(badSiteDir, 'build', MANIFEST_FILE)), false);
  });
});
