/**
 * Many sessions: 500 opened and closed in sequence and 20 at once leave zero
 * containers with this server's label.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

/** SANDBOX_CHURN_SESSIONS lowers the sequence for quick local runs; CI runs the full 500. */
const SEQUENCE = Number(process.env.SANDBOX_CHURN_SESSIONS ?? 500);

describe('session churn (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('churn');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      config: {server: {sessionsPerMinute: 100_000, maxSessionsPerClient: 40, maxSessions: 40}},
    });
  });
  after(async () => {
    await server?.close();
  });

  it(`${SEQUENCE} sessions in sequence leave no container`, {timeout: 10 * 60_000}, async () => {
    const started = Date.now();
    for (let i = 0; i < SEQUENCE; i++) {
      const client = await server.open({env: 'shell', cmd: `echo run-${i}`});
      const exit = await client.waitForExit(20_000);
      assert.deepEqual(exit, {type: 'exit', code: 0, reason: 'exit'}, `session ${i}`);
      assert.match(client.output, new RegExp(`run-${i}`));
      await client.closed;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`${SEQUENCE} sequential sessions in ${seconds.toFixed(1)} s (${((seconds * 1000) / SEQUENCE).toFixed(0)} ms each)`);
    assert.equal(await waitForNoContainers(instanceId, 10_000), 0);
    assert.equal(server.server.activeSessions, 0);
  });

  it('20 sessions at once leave no container', {timeout: 120_000}, async () => {
    const clients = await Promise.all(Array.from({length: 20}, (_, i) => server.open({env: 'shell', cmd: `sleep 1; echo at-once-${i}`})));
    assert.ok(labelledContainers(instanceId).length > 0, 'the containers exist while the sessions run');
    const exits = await Promise.all(clients.map((client) => client.waitForExit(60_000)));
    for (const [i, exit] of exits.entries()) {
      assert.deepEqual(exit, {type: 'exit', code: 0, reason: 'exit'});
      assert.match(clients[i]!.output, new RegExp(`at-once-${i}`));
    }
    assert.equal(await waitForNoContainers(instanceId, 10_000), 0);
    assert.equal(server.server.activeSessions, 0);
  });

  it('20 sessions whose clients vanish are removed after the reconnect grace', {timeout: 120_000}, async () => {
    const graceId = testInstanceId('grace');
    await using graceServer = await startTestServer({
      instanceId: graceId,
      config: {server: {sessionsPerMinute: 1000, maxSessionsPerClient: 40, maxSessions: 40, reconnectGrace: '1s'}},
    });
    const clients = await Promise.all(Array.from({length: 20}, () => graceServer.open({env: 'shell', cmd: 'sleep 60'})));
    await Promise.all(clients.map((client) => client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'))));
    assert.equal(labelledContainers(graceId).length, 20);
    for (const client of clients) client.ws.terminate();
    assert.equal(await waitForNoContainers(graceId, 10_000), 0);
    assert.equal(graceServer.server.activeSessions, 0);
  });
});
