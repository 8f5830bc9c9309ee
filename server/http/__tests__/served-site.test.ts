/**
 * createSandboxServer on a built site (fake runtime, no Docker): the site and
 * the API under the build's baseUrl, every locale's blocks, and a rebuild
 * picked up without a restart while the previous blocks keep running.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import WebSocket from 'ws';
import {normalizeConfig, type SandboxBlock} from '../../../config/index.js';
import {clientSubprotocols, type CreateSessionResponse} from '../../../protocol/index.js';
import {createSandboxServer} from '../../index.js';
import {FakeRuntime} from '../../sessions/__tests__/fake-runtime.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, {recursive: true, force: true})));

const block = (id: string): SandboxBlock => ({
  id,
  env: 'shell',
  cmd: `echo ${id}`,
  files: [],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false},
  source: 'docs/intro.md',
  line: 1,
});
const writeManifest = (dir: string, ids: string[], baseUrl?: string) =>
  writeFileSync(join(dir, 'sandbox-manifest.json'), JSON.stringify({version: 1, blocks: ids.map(block), ...(baseUrl ? {baseUrl} : {})}));

function site(baseUrl?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-served-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'docs'), {recursive: true});
  mkdirSync(join(dir, 'fr'));
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'docs', 'intro.html'), '<h1>intro</h1>');
  writeFileSync(join(dir, '404.html'), '<h1>lost</h1>');
  writeFileSync(join(dir, 'fr', 'index.html'), '<h1>accueil</h1>');
  writeManifest(dir, ['en1'], baseUrl);
  writeManifest(join(dir, 'fr'), ['fr1'], baseUrl ? `${baseUrl}fr/` : undefined);
  return dir;
}

async function start(siteDir: string, server: Record<string, unknown> = {}) {
  const config = normalizeConfig({server: {port: 0, instanceId: 'unit-served', ...server}});
  const sandbox = createSandboxServer({config, runtime: new FakeRuntime(), siteDir, siteWatch: {debounceMs: 20, pollMs: 100}});
  const {url} = await sandbox.listen();
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {method: 'POST', headers: {origin: url, 'content-type': 'application/json'}, body: JSON.stringify(body)});
  return {sandbox, url, post};
}

async function until(what: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a served build', () => {
  it("serves the site and the API under the build's baseUrl, and the API at /api too", async () => {
    const {sandbox, url, post} = await start(site('/sub/'));
    await using _ = sandbox;
    assert.match(await (await fetch(`${url}/sub/docs/intro`)).text(), /intro/);
    assert.match(await (await fetch(`${url}/sub/fr/`)).text(), /accueil/);
    const home = await fetch(`${url}/`, {redirect: 'manual'});
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), '/sub/');
    const outside = await fetch(`${url}/docs/intro`);
    assert.equal(outside.status, 404, 'a path outside the base serves nothing of the build');
    assert.match(await outside.text(), /lost/);

    const created = await post('/sub/api/sessions', {block: 'en1'});
    assert.equal(created.status, 201);
    const session = (await created.json()) as CreateSessionResponse;
    assert.equal(session.ws, `/sub/api/sessions/${session.id}/ws`);
    const socket = new WebSocket(url.replace('http', 'ws') + session.ws, clientSubprotocols(session.token), {origin: url});
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.close(1000);

    const french = await post('/sub/fr/api/sessions', {block: 'fr1'});
    assert.equal(french.status, 201, "a translated page's block runs from its locale's API base");
    assert.match(((await french.json()) as CreateSessionResponse).ws, /^\/sub\/fr\/api\/sessions\//);
    const bare = await post('/api/sessions', {block: 'fr1'});
    assert.equal(bare.status, 201);
    assert.match(((await bare.json()) as CreateSessionResponse).ws, /^\/sub\/api\/sessions\//, 'the answer carries the site base');
    assert.equal((await fetch(`${url}/sub/api/health`)).status, 200);
  });

  it('takes a rebuilt manifest without a restart while the previous blocks still run', async () => {
    const dir = site();
    const {sandbox, post} = await start(dir);
    await using _ = sandbox;
    assert.equal((await post('/api/sessions', {block: 'en2'})).status, 404);
    writeManifest(dir, ['en2']);
    await until(async () => (await post('/api/sessions', {block: 'en2'})).status === 201);
    assert.equal((await post('/api/sessions', {block: 'en1'})).status, 201, 'a page loaded before the deploy still runs its block');
    assert.equal((await post('/api/sessions', {block: 'fr1'})).status, 201);
  });

  it('keeps the API and the last good blocks while the build folder is missing; pages answer 503', async () => {
    const dir = site();
    const {sandbox, url, post} = await start(dir);
    await using _ = sandbox;
    rmSync(dir, {recursive: true});
    await new Promise((resolve) => setTimeout(resolve, 300));
    const page = await fetch(`${url}/docs/intro`);
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('retry-after'), '10');
    assert.equal((await post('/api/sessions', {block: 'en1'})).status, 201);
  });

  it('serves a build inside a dot folder (VitePress builds into .vitepress/dist), its 404 page included', async () => {
    const parent = site();
    const dir = join(parent, '.vitepress', 'dist');
    mkdirSync(join(dir, 'guide'), {recursive: true});
    writeFileSync(join(dir, 'guide', 'start.html'), '<h1>start</h1>');
    writeFileSync(join(dir, '404.html'), '<h1>vitepress lost</h1>');
    writeManifest(dir, ['vp1']);
    const {sandbox, url, post} = await start(dir);
    await using _ = sandbox;
    assert.match(await (await fetch(`${url}/guide/start`)).text(), /start/);
    const missing = await fetch(`${url}/guide/nothing`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /vitepress lost/);
    assert.equal((await post('/api/sessions', {block: 'vp1'})).status, 201);
  });
});
