/**
 * `serve` on a built site with the real engine: a rebuilt manifest is taken
 * without a restart (the changed block runs within 10 s while the previous
 * block id still runs, as for a page loaded before the deploy), a translated
 * page's manifest runs, a site with a baseUrl answers under it, and one `exit`
 * ends a terminal-only block.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {MANIFEST_FILE, type SandboxBlock, type SandboxManifest} from '../../config/index.js';
import {runSession} from '../../server/check/client.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SITE_BUILD = join(ROOT, 'site/build');

const shellBlock = (id: string, cmd: string, options: Partial<SandboxBlock['options']> = {}): SandboxBlock => ({
  id,
  env: 'shell',
  cmd,
  files: [],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false, ...options},
  source: 'docs/live.md',
  line: 1,
});

const writeManifest = (dir: string, manifest: SandboxManifest) => writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));

describe('serve on a built site (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('live-site');
  let siteDir = '';
  let server: TestServer;
  let original: SandboxManifest;

  before(async () => {
    await buildImages({envs: ['shell']});
    if (!existsSync(join(SITE_BUILD, MANIFEST_FILE))) {
      for (const args of [['run', 'build'], ['run', 'build', '--workspace', 'site']]) {
        execFileSync('npm', args, {cwd: ROOT, stdio: 'ignore', env: {...process.env, DOCUSAURUS_NO_PERSISTENT_CACHE: 'true'}});
      }
    }
    siteDir = join(mkdtempSync(join(tmpdir(), 'sandbox-live-')), 'build');
    cpSync(SITE_BUILD, siteDir, {recursive: true});
    original = JSON.parse(readFileSync(join(siteDir, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    // The blocks this suite runs, added to the site's own (a terminal-only one among them).
    original.blocks.push(shellBlock('live-before', 'echo before-deploy'), shellBlock('live-terminal', 'bash', {interactive: true}));
    writeManifest(siteDir, original);
    mkdirSync(join(siteDir, 'fr'), {recursive: true});
    writeManifest(join(siteDir, 'fr'), {version: 1, blocks: [shellBlock('live-fr', 'echo bonjour')]});
    server = await startTestServer({instanceId, siteDir, config: {server: {allowInline: false, maxSessionsPerClient: 10, sessionsPerMinute: 100}}});
  });

  after(async () => {
    await server?.close();
    await waitForNoContainers(instanceId);
    if (siteDir) rmSync(join(siteDir, '..'), {recursive: true, force: true});
  });

  const run = (block: string, options: {input?: string; serverUrl?: string} = {}) =>
    runSession(options.serverUrl ?? server.url, {block}, {deadlineMs: 20_000, endAtDeadline: true, ...(options.input ? {input: options.input} : {})});

  it("serves the site's pages and runs a translated page's block", async () => {
    assert.equal((await fetch(`${server.url}/`)).status, 200);
    const french = await run('live-fr');
    assert.equal(french.exit?.code, 0, JSON.stringify(french));
    assert.match(french.output, /bonjour/);
  });

  it('runs the changed block of a rewritten manifest within 10 s, while the previous block id still runs', async () => {
    const changed = shellBlock('live-after', 'echo after-deploy');
    writeManifest(siteDir, {...original, blocks: [...original.blocks.filter((block) => block.id !== 'live-before'), changed]});
    const rewritten = Date.now();
    let result = await run('live-after');
    while (result.error?.code === 'unknown-block' && Date.now() - rewritten < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await run('live-after');
    }
    assert.ok(Date.now() - rewritten < 10_000 + 5_000, 'picked up within 10 s (plus the run itself)');
    assert.equal(result.exit?.code, 0, JSON.stringify(result));
    assert.match(result.output, /after-deploy/);
    const previous = await run('live-before');
    assert.equal(previous.exit?.code, 0, JSON.stringify(previous));
    assert.match(previous.output, /before-deploy/);
  });

  it('ends a terminal-only block with one exit', async () => {
    const started = Date.now();
    const result = await run('live-terminal', {input: 'echo in-shell\rexit\r'});
    assert.equal(result.error, undefined, JSON.stringify(result));
    assert.equal(result.exit?.code, 0);
    assert.match(result.output, /in-shell/);
    assert.ok(Date.now() - started < 15_000);
  });
});

describe('a site built with a baseUrl (Docker)', {skip: needDocker()}, () => {
  it('runs its blocks through the API under the base, as check --server with the site URL does', async () => {
    const instanceId = testInstanceId('base-url');
    const siteDir = mkdtempSync(join(tmpdir(), 'sandbox-base-'));
    writeFileSync(join(siteDir, 'index.html'), '<h1>home</h1>');
    writeManifest(siteDir, {version: 1, baseUrl: '/sub/', blocks: [shellBlock('based', 'echo under-base')]});
    await buildImages({envs: ['shell']});
    const server = await startTestServer({instanceId, siteDir, config: {server: {allowInline: false}}});
    try {
      assert.match(await (await fetch(`${server.url}/sub/`)).text(), /home/);
      const result = await runSession(`${server.url}/sub/`, {block: 'based'}, {deadlineMs: 20_000, origin: server.url});
      assert.equal(result.exit?.code, 0, JSON.stringify(result));
      assert.match(result.output, /under-base/);
    } finally {
      await server.close();
      await waitForNoContainers(instanceId);
      rmSync(siteDir, {recursive: true, force: true});
    }
  });
});
