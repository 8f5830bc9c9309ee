/**
 * Limits: a burst of 1,000 session requests from one
 * client gets exactly the configured number of sessions and 429 for the rest
 * before any container exists; the global cap answers 503 with Retry-After;
 * X-Forwarded-For counts only with trustProxy; oversized bodies and headers
 * are refused; a slow-header client is cut within 2 × headersTimeout; every
 * limiter counter returns to zero.
 */
import assert from 'node:assert/strict';
import {connect} from 'node:net';
import {after, before, describe, it} from 'node:test';
import type {CreateSessionResponse} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';
import {sandboxEnvironments, waitForCounters} from './runtime.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to each session, kills it and waits for its exit, so every slot is freed. */
async function finish(server: TestServer, sessions: CreateSessionResponse[]): Promise<void> {
  await Promise.all(
    sessions.map(async (session) => {
      const client = await server.connect(session);
      client.control({type: 'signal', signal: 'SIGKILL'});
      await client.waitForExit(20_000);
    }),
  );
}

describe('admission limits (security)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-limits');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      config: {
        environments: sandboxEnvironments(),
        server: {sessionsPerMinute: 5, maxSessionsPerClient: 8, maxSessions: 8, bodyLimit: '4k', headersTimeout: '2s', trustProxy: true},
      },
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('1,000 rapid requests from one client: exactly sessionsPerMinute succeed, the rest 429 before any container', async () => {
    const statuses: number[] = [];
    const created: CreateSessionResponse[] = [];
    let retryAfterMissing = 0;
    const headers = {'x-forwarded-for': '198.51.100.7'};
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(Array.from({length: 100}, () => server.post({env: 'shell', cmd: 'sleep 30'}, headers)));
      for (const response of responses) {
        statuses.push(response.status);
        if (response.status === 201) created.push(response.body as CreateSessionResponse);
        else if (!(Number(response.headers.get('retry-after')) > 0)) retryAfterMissing++;
      }
    }
    assert.equal(statuses.filter((status) => status === 201).length, 5);
    assert.equal(statuses.filter((status) => status === 429).length, 995);
    assert.equal(retryAfterMissing, 0, 'every 429 carries Retry-After');
    await sleep(1_000);
    assert.ok(labelledContainers(instanceId).length <= 5, 'a container exists only for an admitted session');
    await finish(server, created);
    await waitForCounters(server.server);
  });

  it('the global cap answers 503 with Retry-After, without a queue', async () => {
    const created: CreateSessionResponse[] = [];
    for (let index = 0; index < 8; index++) {
      const response = await server.post({env: 'shell', cmd: 'sleep 30'}, {'x-forwarded-for': `203.0.113.${index + 1}`});
      assert.equal(response.status, 201);
      created.push(response.body as CreateSessionResponse);
    }
    const started = performance.now();
    const refused = await server.post({env: 'shell', cmd: 'sleep 30'}, {'x-forwarded-for': '203.0.113.100'});
    assert.equal(refused.status, 503);
    assert.equal((refused.body as {error: {code: string}}).error.code, 'at-capacity');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.ok(performance.now() - started < 500, 'answered at once, not queued');
    assert.equal(server.server.admission.snapshot().active, 8);
    await finish(server, created);
    await waitForCounters(server.server);
    assert.equal((await server.post({env: 'shell', cmd: 'true'}, {'x-forwarded-for': '203.0.113.100'})).status, 201, 'a freed slot is usable');
  });

  it('with trustProxy only the hop the proxy appended counts, never the left-most entry', async () => {
    const first = await server.post({env: 'shell', cmd: 'true'}, {'x-forwarded-for': '192.0.2.50'});
    assert.equal(first.status, 201);
    const spoofs: number[] = [];
    for (let index = 0; index < 6; index++) {
      spoofs.push((await server.post({env: 'shell', cmd: 'true'}, {'x-forwarded-for': `10.9.9.${index}, 192.0.2.51`})).status);
    }
    assert.deepEqual(spoofs, [201, 201, 201, 201, 201, 429], 'a forged left-most address does not buy a new rate window');
    await sleep(200);
  });

  it('the request body limit answers 413 too-large before parsing', async () => {
    const response = await server.post({env: 'shell', cmd: 'true', files: [{path: 'a.txt', content: 'x'.repeat(8 * 1024)}]}, {'x-forwarded-for': '192.0.2.60'});
    assert.equal(response.status, 413);
    assert.equal((response.body as {error: {code: string}}).error.code, 'too-large');
  });

  it('header limits: the count is capped by maxHeadersCount, oversized headers are refused, the server stays up', async () => {
    assert.equal(server.server.httpServer.maxHeadersCount, 100);
    const many: Record<string, string> = {};
    for (let index = 0; index < 500; index++) many[`x-filler-${index}`] = 'v';
    const health = await fetch(`${server.url}/api/health`, {headers: many});
    assert.equal(health.status, 200);
    const huge = await rawRequest(server.url, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 4\d\d/);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
  });

  it('a slow-header (slowloris) connection is closed within 2 × headersTimeout', async () => {
    const {port} = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    // Reading keeps the socket flowing: a paused socket never sees the end, nor 'close'.
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = performance.now();
    socket.write('POST /api/sessions HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: a\r\n'), 300);
    const closedAfter = await new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)));
    clearInterval(drip);
    assert.ok(closedAfter < 4_000, `closed after ${closedAfter.toFixed(0)} ms (headersTimeout 2 s)`);
    assert.ok(closedAfter > 1_500, `not before the timeout (${closedAfter.toFixed(0)} ms)`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });
});

describe('X-Forwarded-For without trustProxy (security)', {skip: needDocker()}, () => {
  it('is ignored: every request counts against the socket address', async () => {
    const instanceId = testInstanceId('sec-noproxy');
    await using server = await startTestServer({instanceId, config: {environments: sandboxEnvironments(), server: {sessionsPerMinute: 2}}});
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      statuses.push((await server.post({env: 'shell', cmd: 'true'}, {'x-forwarded-for': `198.51.100.${index}`})).status);
    }
    assert.deepEqual(statuses, [201, 201, 429]);
    await server.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });
});

function rawRequest(url: string, text: string): Promise<string> {
  const {port} = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}
