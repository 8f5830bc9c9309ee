/**
 * The site docs' VitePress page, done as a new author would: a fresh VitePress
 * site with the minimal files VitePress's getting-started guide lists (a
 * package.json, `.vitepress/config.mts`, an `index.md`), VitePress and the
 * packed package (`npm pack`) installed with the page's backend install line,
 * the config and theme written exactly as the page shows them, its first
 * block, `vitepress build`, then `docusaurus-sandbox serve .vitepress/dist`:
 * the page's HTML holds the code without JavaScript, the block answers POST
 * /api/sessions with 201 and passes `check`. Needs the npm registry (or its
 * cache), Docker and `npm run build` first; under CI it fails without them,
 * as the fresh Docusaurus site's suite does (about 100 s, most of it npm).
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {MANIFEST_FILE, type SandboxManifest} from '../../config/block.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker, needNpmRegistry} from '../helpers/requirements.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** The VitePress the package's peer range and the demo use. */
const VITEPRESS = 'vitepress@1.6.4';

function run(command: string, args: string[], cwd: string, timeout = 300_000): string {
  const result = spawnSync(command, args, {cwd, encoding: 'utf8', timeout, env: {...process.env, npm_config_audit: 'false', npm_config_fund: 'false'}});
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The page's "Set it up" section: its code blocks in order, each with its language. */
function setupBlocks(): Array<{lang: string; code: string}> {
  const page = readFileSync(join(ROOT, 'site', 'docs', 'reference', 'vitepress.md'), 'utf8');
  const start = page.indexOf('## Set it up\n');
  assert.ok(start >= 0, 'the VitePress page has a "Set it up" section');
  const section = page.slice(start, page.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^(`{3,4})(\w+)\n([\s\S]*?)\n\1$/gm)].map((match) => ({lang: match[2]!, code: match[3]!}));
}

describe('a fresh VitePress site, set up as the VitePress page says (Docker, npm registry)', {skip: needDocker() || needNpmRegistry(), timeout: 600_000}, () => {
  const workDir = mkdtempSync(join(tmpdir(), 'sandbox-vitepress-site-'));
  const siteDir = join(workDir, 'my-docs');
  let server: ChildProcess | undefined;

  before(async () => {
    await buildImages({envs: ['node']});
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    rmSync(workDir, {recursive: true, force: true});
  });

  it('builds, lists its block in the manifest, shows the code without JavaScript, serves and runs it', async () => {
    const blocks = setupBlocks();
    const [install, config, theme, first, backend] = blocks;
    assert.deepEqual(blocks.map((block) => block.lang), ['bash', 'ts', 'ts', 'markdown', 'bash']);
    assert.match(install!.code, /^npm install docusaurus-sandbox$/);
    const backendInstall = /^npm install ("[^\n]+)$/m.exec(backend!.code)?.[1];
    assert.ok(backendInstall, "the page shows the backend's npm install line");
    assert.ok(first!.code.startsWith('```sandbox '), 'the page shows a first block');

    // VitePress's guide: a package.json with VitePress as a dev dependency, the config and a page.
    mkdirSync(join(siteDir, '.vitepress', 'theme'), {recursive: true});
    writeFileSync(join(siteDir, 'package.json'), `${JSON.stringify({name: 'my-docs', private: true, type: 'module', scripts: {'docs:build': 'vitepress build'}}, null, 2)}\n`);
    run('npm', ['pack', '--pack-destination', workDir, '--ignore-scripts'], ROOT);
    const tarball = join(workDir, readdirSync(workDir).find((name) => name.endsWith('.tgz'))!);
    run('npm', ['install', '--prefer-offline', '--save-dev', VITEPRESS], siteDir, 480_000);
    const backendPackages = [...backendInstall.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
    // Step 1 (the packed package stands for `docusaurus-sandbox`) and step 5's packages.
    run('npm', ['install', '--prefer-offline', tarball, ...backendPackages], siteDir, 480_000);
    const installed = JSON.parse(readFileSync(join(siteDir, 'package-lock.json'), 'utf8')) as {packages: Record<string, unknown>};
    // An optional peer: a required one would bring the whole of Docusaurus (webpack, React, its CLI) into a VitePress site.
    assert.equal(installed.packages['node_modules/@docusaurus/core'], undefined, 'a VitePress site installs no Docusaurus core');

    writeFileSync(join(siteDir, '.vitepress', 'config.mts'), `${config!.code}\n`);
    writeFileSync(join(siteDir, '.vitepress', 'theme', 'index.ts'), `${theme!.code}\n`);
    writeFileSync(join(siteDir, 'index.md'), `# My docs\n\n${first!.code}\n`);

    run('npm', ['run', 'docs:build'], siteDir);
    const outDir = join(siteDir, '.vitepress', 'dist');
    const manifest = JSON.parse(readFileSync(join(outDir, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    assert.equal(manifest.version, 1);
    assert.deepEqual(manifest.blocks.map((block) => [block.source, block.env, block.title]), [['index.md', 'node', 'Hello']]);

    const bin = join(siteDir, 'node_modules', '.bin', 'docusaurus-sandbox');
    const started = spawn(bin, ['serve', '.vitepress/dist', '--port', '0', '--log-level', 'warn'], {cwd: siteDir, stdio: ['ignore', 'pipe', 'pipe']});
    server = started;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not listen within 30 s:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (http:\/\/\S+)/.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(listening[1]!);
        }
      };
      started.stdout.on('data', read);
      started.stderr.on('data', read);
      started.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });

    const page = await fetch(new URL('/', url));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes(`data-sandbox-id="${manifest.blocks[0]!.id}"`), 'the server-rendered block');
    assert.match(html, /console\.log\((&#39;|')Hello from Node(&#39;|'), process\.version\);/, 'the code, in the HTML before any script runs');

    const created = await fetch(new URL('/api/sessions', url), {
      method: 'POST',
      headers: {'content-type': 'application/json', origin: new URL(url).origin},
      body: JSON.stringify({block: manifest.blocks[0]!.id}),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const session = (await created.json()) as {id: string; ws: string};
    assert.ok(session.id && session.ws);

    const check = run(bin, ['check', '.vitepress/dist', '--server', url], siteDir, 120_000);
    assert.match(check, /1 passed, 0 failed/);
  });
});
