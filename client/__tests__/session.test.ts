import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES, SUBPROTOCOL} from '../../protocol/index.js';
import {SandboxSession} from '../session.js';
import type {SandboxStatus} from '../status.js';
import {FakeSocket} from './fake-socket.js';
import {FakeTimers} from './fake-timers.js';
import {harness, states} from './session-harness.js';

describe('SandboxSession', () => {
  it('creates the session, connects with the subprotocols and streams both ways', async () => {
    const {session, sockets, statuses, output, requests, timers} = harness();
    await session.start();
    assert.equal(requests[0]?.url, 'http://localhost:3000/api/sessions');
    assert.deepEqual(requests[0]?.body, {block: 'b1', cols: 80, rows: 24, files: [{path: 'main.js', content: 'edited'}]});
    const socket = sockets[0]!;
    assert.equal(socket.url, 'ws://localhost:3000/api/sessions/s1/ws');
    assert.deepEqual(socket.protocols, [SUBPROTOCOL, 'sandbox.token.tok']);
    assert.equal(socket.binaryType, 'arraybuffer');
    socket.open();
    assert.deepEqual(socket.controls(), [
      {type: 'hello', acks: true},
      {type: 'resize', cols: 80, rows: 24},
    ]);
    socket.message(new TextEncoder().encode('hello\r\n').buffer);
    assert.deepEqual(output, ['hello\r\n']);
    session.write('\x03');
    assert.deepEqual(socket.sent.at(-1), new Uint8Array([3]));
    timers.advance(1234);
    socket.message(JSON.stringify({type: 'exit', code: 0, reason: 'exit'}));
    socket.drop(CLOSE_CODES.normal);
    assert.deepEqual(states(statuses), ['connecting', 'running', 'exited']);
    assert.deepEqual(statuses.at(-1), {state: 'exited', code: 0, reason: 'exit', durationMs: 1234});
    assert.equal(sockets.length, 1, 'no reconnect after exit');
  });

  it('stops with SIGTERM, then SIGKILL after the grace period', async () => {
    const {session, sockets, statuses, timers} = harness();
    await session.start();
    const socket = sockets[0]!;
    socket.open();
    session.stop();
    assert.deepEqual(socket.controls().slice(2), [{type: 'signal', signal: 'SIGTERM'}]);
    timers.advance(1999);
    assert.equal(socket.controls().length, 3);
    timers.advance(1);
    assert.deepEqual(socket.controls().slice(2), [
      {type: 'signal', signal: 'SIGTERM'},
      {type: 'signal', signal: 'SIGKILL'},
    ]);
    socket.message(JSON.stringify({type: 'exit', code: 137, reason: 'killed'}));
    assert.equal(statuses.at(-1)?.state, 'stopped');
  });

  it('does not send SIGKILL when the program ended on SIGTERM', async () => {
    const {session, sockets, timers} = harness();
    await session.start();
    const socket = sockets[0]!;
    socket.open();
    session.stop();
    socket.message(JSON.stringify({type: 'exit', code: 143, reason: 'killed'}));
    timers.advance(5000);
    assert.deepEqual(socket.controls().slice(2), [{type: 'signal', signal: 'SIGTERM'}]);
  });

  it('reconnects with backoff after a drop and reports a session the server lost', async () => {
    const {session, sockets, statuses, timers} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    assert.deepEqual(statuses.at(-1), {state: 'reconnecting', attempt: 1, delayMs: 1000});
    timers.advance(999);
    assert.equal(sockets.length, 1);
    timers.advance(1);
    assert.equal(sockets.length, 2);
    assert.equal(sockets[1]!.url, sockets[0]!.url);
    sockets[1]!.drop(1006);
    assert.deepEqual(statuses.at(-1), {state: 'reconnecting', attempt: 2, delayMs: 2000});
    timers.advance(2000);
    sockets[2]!.drop(CLOSE_CODES.sessionEnded);
    assert.equal(statuses.at(-1)?.state, 'lost');
    timers.advance(60_000);
    assert.equal(sockets.length, 3);
    void session;
  });

  it('resets the attempt count after a successful reconnect', async () => {
    const {session, sockets, statuses, timers} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    timers.advance(1000);
    sockets[1]!.open();
    assert.equal(statuses.at(-1)?.state, 'running');
    sockets[1]!.drop(1006);
    assert.deepEqual(statuses.at(-1), {state: 'reconnecting', attempt: 1, delayMs: 1000});
    void session;
  });

  it('maps HTTP errors to their code and an unreachable server to "unreachable"', async () => {
    const refused = harness({status: 429, body: {error: {code: 'too-many-sessions', message: 'limit'}}});
    await refused.session.start();
    assert.deepEqual(refused.statuses.at(-1), {state: 'error', code: 'too-many-sessions'});
    assert.equal(refused.sockets.length, 0);

    const offline = harness('offline');
    await offline.session.start();
    assert.deepEqual(offline.statuses.at(-1), {state: 'error', code: 'unreachable'});

    const proxy = harness({status: 502, body: '<html>Bad gateway</html>'});
    await proxy.session.start();
    assert.deepEqual(proxy.statuses.at(-1), {state: 'error', code: 'unreachable'});

    // Not the sandbox API's answer: this host has no backend.
    const weird = harness({status: 201, body: {nope: true}});
    await weird.session.start();
    assert.deepEqual(weird.statuses.at(-1), {state: 'error', code: 'no-backend'});
  });

  it('reaches the API under the site\'s baseUrl and opens the socket the server answers', async () => {
    const {session, requests, sockets} = harness({status: 201, body: {id: 's1', token: 'tok', ws: '/sub/api/sessions/s1/ws'}}, {baseUrl: '/sub/'});
    await session.start();
    assert.equal(requests[0]!.url, 'http://localhost:3000/sub/api/sessions');
    assert.equal(sockets[0]!.url, 'ws://localhost:3000/sub/api/sessions/s1/ws');

    const elsewhere = harness(undefined, {baseUrl: '/sub/', serverUrl: 'https://sandbox.example.com'});
    await elsewhere.session.start();
    assert.equal(elsewhere.requests[0]!.url, 'https://sandbox.example.com/api/sessions');
  });

  it('a static host\'s answer is "no backend", with a hint for the site owner on the console', async () => {
    const {session, statuses, warnings, sockets} = harness({status: 404, body: '<!doctype html>'}, {baseUrl: '/sub/'});
    await session.start();
    assert.deepEqual(statuses.at(-1), {state: 'error', code: 'no-backend'});
    assert.equal(sockets.length, 0);
    assert.match(warnings.join('\n'), /POST http:\/\/localhost:3000\/sub\/api\/sessions answered 404/);
  });

  it('reports a server error message that precedes the close', async () => {
    const {session, sockets, statuses} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'error', code: 'docker-unavailable', message: 'x'}));
    sockets[0]!.drop(CLOSE_CODES.internal);
    assert.deepEqual(statuses.at(-1), {state: 'error', code: 'docker-unavailable'});
    void session;
  });

  it('acknowledges processed output in batches (flow control hook)', async () => {
    const {session, sockets} = harness();
    await session.start();
    sockets[0]!.open();
    session.acknowledge(20 * 1024);
    assert.equal(sockets[0]!.controls().length, 2);
    session.acknowledge(15 * 1024);
    assert.deepEqual(sockets[0]!.controls().at(-1), {type: 'ack', bytes: 35 * 1024});
  });

  it('dispose is idempotent, closes the socket and cancels reconnects', async () => {
    const {session, sockets, timers} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    session.dispose();
    session.dispose();
    timers.advance(60_000);
    assert.equal(sockets.length, 1);

    const second = harness();
    await second.session.start();
    second.sockets[0]!.open();
    second.session[Symbol.dispose]();
    assert.equal(second.sockets[0]!.closedWith, 1000);
    const sentBefore = second.sockets[0]!.sent.length;
    second.session.write('x');
    second.session.resize(100, 30);
    assert.equal(second.sockets[0]!.sent.length, sentBefore, 'nothing sent after dispose');
  });
});

describe('SandboxSession dispose', () => {
  it('kills a running program before closing, but not one that already exited', async () => {
    const running = harness();
    await running.session.start();
    running.sockets[0]!.open();
    running.session.dispose();
    assert.deepEqual(running.sockets[0]!.controls().at(-1), {type: 'signal', signal: 'SIGKILL'});
    assert.equal(running.sockets[0]!.closedWith, 1000);

    const finished = harness();
    await finished.session.start();
    finished.sockets[0]!.open();
    finished.sockets[0]!.message(JSON.stringify({type: 'exit', code: 0, reason: 'exit'}));
    finished.session.dispose();
    assert.deepEqual(finished.sockets[0]!.controls(), [
      {type: 'hello', acks: true},
      {type: 'resize', cols: 80, rows: 24},
    ]);
  });
});
describe('operator token (jwt auth mode)', () => {
  const created = {id: 's1', token: 'tok', ws: '/api/sessions/s1/ws'};
  const start = async (getAuthToken: () => Promise<string | undefined>) => {
    const headers: Array<Record<string, string>> = [];
    const statuses: SandboxStatus[] = [];
    const session = new SandboxSession({
      serverUrl: '',
      pageOrigin: 'http://docs.example',
      request: {block: 'b1'},
      getAuthToken,
      onOutput: () => undefined,
      onStatus: (status) => statuses.push(status),
      fetch: async (_url, init) => {
        headers.push(init.headers);
        return {ok: true, status: 201, json: async () => created};
      },
      createSocket: (url, protocols) => new FakeSocket(url, protocols),
      timers: new FakeTimers(),
    });
    await session.start();
    session.dispose();
    return {headers, statuses};
  };

  it('sends the site token as a bearer header, never in the URL or body', async () => {
    const {headers} = await start(async () => 'operator-jwt');
    assert.equal(headers[0]?.authorization, 'Bearer operator-jwt');
  });

  it('sends no header without a token', async () => {
    const {headers} = await start(async () => undefined);
    assert.equal(headers[0]?.authorization, undefined);
  });

  it('a token provider that fails ends in the unauthorized state without a request', async () => {
    const {headers, statuses} = await start(async () => {
      throw new Error('not signed in');
    });
    assert.equal(headers.length, 0);
    assert.deepEqual(statuses.at(-1), {state: 'error', code: 'unauthorized'});
  });
});
