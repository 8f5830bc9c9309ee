/**
 * Hostile clients on an open socket and hostile reader
 * files: an oversized frame closes that socket with 1009 and no other; a
 * control-message flood is throttled; malformed JSON, unknown types, absurd
 * resizes and `__proto__` keys get an `error` message and never a crash;
 * reader files with bad paths, NUL, too many or too large get 400 with a code.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';
import {sandboxEnvironments, waitForCounters} from './runtime.js';

describe('hostile clients (security)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-protocol');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      config: {environments: sandboxEnvironments(), server: {maxPayload: '16k', messagesPerSecond: 50, maxSessionsPerClient: 10, sessionsPerMinute: 100, reconnectGrace: '1s'}, limits: {maxFiles: 4, maxSeedBytes: '8k'}},
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('an oversized frame closes that socket with 1009; another session keeps echoing', async () => {
    const victim = await server.open({env: 'shell', cmd: 'cat', interactive: true} as never);
    const bystander = await server.open({env: 'shell', cmd: 'cat', interactive: true} as never);
    await bystander.waitFor(() => bystander.messages.some((message) => message.type === 'status' && message.state === 'running'), 20_000, 'running');
    victim.send(Buffer.alloc(64 * 1024, 0x61));
    const closed = await victim.closed;
    assert.equal(closed.code, 1009);
    bystander.send(Buffer.from('still-here\n'));
    await bystander.waitForOutput('still-here');
    bystander.control({type: 'signal', signal: 'SIGKILL'});
    await bystander.waitForExit();
  });

  it('malformed JSON, unknown types, absurd resizes and __proto__ keys get an error message, never a crash', async () => {
    const client = await server.open({env: 'shell', cmd: 'cat', interactive: true} as never);
    await client.waitFor(() => client.messages.some((message) => message.type === 'status' && message.state === 'running'), 20_000, 'running');
    const hostile = [
      '{not json',
      '[]',
      'null',
      '"resize"',
      JSON.stringify({type: 'launch-missiles'}),
      JSON.stringify({type: 'signal', signal: 'SIGSTOP'}),
      JSON.stringify({type: 'resize', cols: 'wide', rows: 1}),
      '{"__proto__": {"type": "resize", "cols": 80, "rows": 24}}',
      '{"type": "__proto__"}',
      '{"constructor": {"prototype": {"polluted": true}}, "type": "nope"}',
      JSON.stringify({type: 'ack', bytes: -1}),
    ];
    for (const text of hostile) client.ws.send(text);
    await client.waitFor(() => client.messages.filter((message) => message.type === 'error').length >= hostile.length, 10_000, 'an error per message');
    for (const message of client.messages.filter((item) => item.type === 'error')) {
      assert.equal((message as {code: string}).code, 'bad-message');
    }
    assert.equal(({} as {polluted?: boolean}).polluted, undefined, 'no prototype pollution');
    // Absurd sizes are clamped, not fatal.
    client.control({type: 'resize', cols: 1e9, rows: -5});
    client.control({type: 'resize', cols: Number.MAX_SAFE_INTEGER, rows: 1e308});
    client.send(Buffer.from('alive\n'));
    await client.waitForOutput('alive');
    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 200, 'the server is up');
    client.control({type: 'signal', signal: 'SIGKILL'});
    await client.waitForExit();
  });

  it('a control-message flood is throttled with a message-rate error, the session survives', async () => {
    const client = await server.open({env: 'shell', cmd: 'cat', interactive: true} as never);
    await client.waitFor(() => client.messages.some((message) => message.type === 'status' && message.state === 'running'), 20_000, 'running');
    for (let index = 0; index < 2_000; index++) client.control({type: 'resize', cols: 80 + (index % 5), rows: 24});
    await client.waitFor(() => client.messages.some((message) => message.type === 'error' && message.code === 'message-rate'), 10_000, 'message-rate');
    const errors = client.messages.filter((message) => message.type === 'error').length;
    assert.ok(errors < 20, `the throttle warns, it does not answer every message (${errors} errors)`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    client.send(Buffer.from('after-flood\n'));
    await client.waitForOutput('after-flood');
    client.control({type: 'signal', signal: 'SIGKILL'});
    await client.waitForExit();
  });

  it('reader files: traversal, absolute, NUL, too many and too large get 400 with a code and no container', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['traversal', [{path: '../../etc/passwd', content: 'x'}], 400, 'bad-path'],
      ['absolute', [{path: '/etc/passwd', content: 'x'}], 400, 'bad-path'],
      ['NUL', [{path: 'a\u0000b.txt', content: 'x'}], 400, 'bad-path'],
      ['dot segment', [{path: 'a/./../../b', content: 'x'}], 400, 'bad-path'],
      ['too many', Array.from({length: 5}, (_, index) => ({path: `f${index}.txt`, content: 'x'})), 400, 'too-many-files'],
      ['too large', [{path: 'big.txt', content: 'x'.repeat(9 * 1024)}], 413, 'too-large'],
      ['not an array', {path: 'a'}, 400, 'bad-request'],
      ['__proto__ path', [{path: '__proto__', content: 'x', __proto__: {}}], 201, ''],
    ];
    for (const [what, files, status, code] of cases) {
      const response = await server.post({env: 'shell', cmd: 'ls', files});
      assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
      if (code) assert.equal((response.body as {error: {code: string}}).error.code, code, what);
      if (status === 201) {
        const client = await server.connect(response.body as never);
        const exit = await client.waitForExit();
        assert.equal(exit.code, 0, what);
        await client.closed;
      }
    }
    await waitForCounters(server.server);
  });
});
