/**
 * createSandboxServer over a scripted runtime (no Docker): static site,
 * manifest discovery, the heartbeat, shutdown and the start-up reap.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {once} from 'node:events';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {normalizeConfig, type SandboxManifest} from '../../../config/index.js';
import {clientSubprotocols, type CreateSessionResponse} from '../../../protocol/index.js';
import {SandboxError} from '../../errors.js';
import {createSandboxServer, deriveInstanceId} from '../../index.js';
import {FakeRuntime} from '../../sessions/__tests__/fake-runtime.js';
import WebSocket from 'ws';

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-site-'));
  mkdirSync(join(dir, 'docs', 'intro'), {recursive: true});
  writeFileSync(join(dir, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'docs', 'intro', 'index.html'), '<h1>intro</h1>');
  writeFileSync(join(dir, '404.html'), '<h1>lost</h1>');
  writeFileSync(join(dir, 'docs', 'flat.html'), '<h1>flat</h1>');
  const manifest: SandboxManifest = {
    version: 1,
    blocks: [
      {
        id: 'b1',
        env: 'shell',
        cmd: 'sh main.sh',
        files: [{path: 'main.sh', content: 'echo hi', hidden: false, readonly: false, lang: 'bash'}],
        options: {editable: false, interactive: false, exit: 0, skipCheck: false},
        source: 'docs/intro.md',
        line: 1,
      },
    ],
  };
  writeFileSync(join(dir, 'sandbox-manifest.json'), JSON.stringify(manifest));
  return dir;
}

async function start(server: Record<string, unknown> = {}, siteDir?: string) {
  const runtime = new FakeRuntime();
  const config = normalizeConfig({server: {port: 0, instanceId: 'unit', ...server}});
  const sandbox = createSandboxServer({config, runtime, siteDir});
  const {url} = await sandbox.listen();
  return {runtime, sandbox, url};
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/sessions`, {method: 'POST', headers: {origin: url, 'content-type': 'application/json'}, body: JSON.stringify(body)});

describe('createSandboxServer (fake runtime)', () => {
  it('reaps its own leftovers before listening and serves the site with a 404.html fallback', async () => {
    const {runtime, sandbox, url} = await start({}, site());
    await using _ = sandbox;
    assert.deepEqual(runtime.reaps[0], {instanceId: 'unit'});
    assert.match(await (await fetch(`${url}/`)).text(), /home/);
    assert.match(await (await fetch(`${url}/docs/intro/`)).text(), /intro/);
    assert.match(await (await fetch(`${url}/docs/intro`)).text(), /intro/, 'redirected to the folder');
    assert.match(await (await fetch(`${url}/docs/flat`)).text(), /flat/, 'trailingSlash: false layout');
    const missing = await fetch(`${url}/docs/nope`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /lost/);
    const api = await fetch(`${url}/api/nope`);
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), {error: {code: 'not-found', message: 'no such API endpoint'}});
  });

  it("reads the manifest from the site directory and runs its blocks", async () => {
    const {runtime, sandbox, url} = await start({}, site());
    await using _ = sandbox;
    const response = await post(url, {block: 'b1'});
    assert.equal(response.status, 201);
    const body = (await response.json()) as CreateSessionResponse;
    assert.equal(body.ws, `/api/sessions/${body.id}/ws`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runtime.containers[0]?.spec.cmd, 'sh main.sh', 'the container starts before any socket connects');
    assert.equal((await post(url, {block: 'b2'})).status, 404);
    sandbox.setManifest({version: 1, blocks: []});
    assert.equal((await post(url, {block: 'b1'})).status, 404, 'setManifest replaces the blocks');
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const {sandbox, url} = await start({allowInline: true, origins: ['http://localhost:3000']});
    await using _ = sandbox;
    const preflight = (origin: string) =>
      fetch(`${url}/api/sessions`, {
        method: 'OPTIONS',
        headers: {origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type'},
      });
    const allowed = await preflight('http://localhost:3000');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    const refused = await preflight('http://evil.example');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    const created = await fetch(`${url}/api/sessions`, {
      method: 'POST',
      headers: {origin: 'http://localhost:3000', 'content-type': 'application/json'},
      body: JSON.stringify({cmd: 'true'}),
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  });

  it('terminates a peer that stops answering pings', async () => {
    const {sandbox, url} = await start({allowInline: true, heartbeatInterval: 0.2});
    await using _ = sandbox;
    const session = (await (await post(url, {cmd: 'sleep 1'})).json()) as CreateSessionResponse;
    const ws = new WebSocket(url.replace('http', 'ws') + session.ws, clientSubprotocols(session.token), {origin: url});
    await new Promise((resolve) => ws.once('open', resolve));
    const started = Date.now();
    // The client's TCP socket stops reading: its pongs never come.
    const socket = (ws as unknown as {_socket: Socket})._socket;
    socket.pause();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 700));
    socket.resume();
    const code = await closed;
    assert.equal(code, 1006, 'terminated, not closed');
    assert.ok(Date.now() - started < 2_000);
  });

  it('masks a failed start and frees the slot; close() ends sockets with 1001 and is idempotent', async () => {
    const {runtime, sandbox, url} = await start({allowInline: true, maxSessions: 1});
    runtime.failWith = new SandboxError('docker-unavailable', 'connect ENOENT /var/run/docker.sock');
    const failed = (await (await post(url, {cmd: 'true'})).json()) as CreateSessionResponse;
    const ws = new WebSocket(url.replace('http', 'ws') + failed.ws, clientSubprotocols(failed.token), {origin: url});
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(String(data)));
    const code = await new Promise<number>((resolve) => ws.once('close', (closeCode) => resolve(closeCode)));
    assert.equal(code, 1011);
    assert.deepEqual(JSON.parse(messages.at(-1)!), {type: 'error', code: 'docker-unavailable', message: 'the sandbox engine is unavailable; try again later'});
    assert.equal(sandbox.activeSessions, 0);

    runtime.failWith = undefined;
    const live = (await (await post(url, {cmd: 'sleep 9'})).json()) as CreateSessionResponse;
    const socket = new WebSocket(url.replace('http', 'ws') + live.ws, clientSubprotocols(live.token), {origin: url});
    await new Promise((resolve) => socket.once('open', resolve));
    const closing = new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    await Promise.all([sandbox.close(), sandbox.close()]);
    assert.equal(await closing, 1001);
    assert.equal(runtime.containers[0]!.removed, 1);
    await sandbox.close();
  });

  it('sweeps project containers older than the longest lifetime plus a margin, periodically', async () => {
    const runtime = new FakeRuntime();
    const config = normalizeConfig({limits: {maxLifetime: '1s', timeout: '1s'}, server: {port: 0, instanceId: 'sweep'}});
    await using sandbox = createSandboxServer({config, runtime});
    await sandbox.listen();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    assert.deepEqual(runtime.reaps.slice(0, 2), [{instanceId: 'sweep'}, {olderThanMs: 61_000}]);
  });

  it('drops a connection that does not finish its request headers in time', async () => {
    const {sandbox, url} = await start({headersTimeout: 1});
    await using _ = sandbox;
    const {port} = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    await once(socket, 'close');
    const took = Date.now() - started;
    // Checked every second (connectionsCheckingInterval), so at most ~2 s for a 1 s timeout; Node's default would be 30 s.
    assert.ok(took < 3_000, `closed after ${took} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('derives a stable instance id from host and port, unique for port 0', () => {
    const config = normalizeConfig({server: {port: 4000}});
    assert.equal(deriveInstanceId(config, 'docs-host'), 'docs-host-4000');
    assert.equal(deriveInstanceId(normalizeConfig({server: {port: 4000, instanceId: 'mine'}}), 'docs-host'), 'mine');
    const ephemeral = normalizeConfig({server: {port: 0}});
    assert.notEqual(deriveInstanceId(ephemeral, 'h', 1), deriveInstanceId(ephemeral, 'h', 2));
  });
});
