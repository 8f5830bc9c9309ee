/**
 * Closed tabs do not lock a reader out (real engine): a browser closes a
 * page's sockets with 1001 when the tab closes or navigates away. Four such
 * sessions at the per-client cap of four do not make the next Run fail: the
 * oldest of them is ended to make room and its container removed. Sessions
 * whose connection merely dropped keep their reconnect grace and the cap.
 */
import assert from 'node:assert/strict';
import type {Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import type {ErrorBody} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, startTestServer, TestClient, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

const running = (client: TestClient) =>
  client.waitFor(() => client.messages.some((message) => message.type === 'status' && message.state === 'running'), 30_000, 'running');

async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('closed tabs (Docker)', {skip: needDocker()}, () => {
  const servers: Array<{server: TestServer; instanceId: string}> = [];

  before(() => buildImages({envs: ['shell']}));
  after(async () => {
    for (const {server, instanceId} of servers) {
      await server.close();
      assert.equal(await waitForNoContainers(instanceId), 0);
    }
  });

  /** A server of its own per test, with four sessions of one client at its per-client cap of four. */
  async function atCap(name: string): Promise<{server: TestServer; instanceId: string; clients: TestClient[]}> {
    const instanceId = testInstanceId(`closed-tabs-${name}`);
    const server = await startTestServer({
      instanceId,
      config: {
        server: {maxSessionsPerClient: 4, sessionsPerMinute: 60, reconnectGrace: '60s'},
        limits: {timeout: '2m', maxTimeout: '5m', idleTimeout: '2m'},
      },
    });
    servers.push({server, instanceId});
    const clients: TestClient[] = [];
    for (let index = 0; index < 4; index++) {
      const client = await server.open({env: 'shell', cmd: 'sleep 300', interactive: true});
      await running(client);
      clients.push(client);
    }
    return {server, instanceId, clients};
  }

  it('four sessions closed with 1001: the next Run of the same client starts, and the oldest closed one is removed', async () => {
    const {server, instanceId, clients} = await atCap('left');
    for (const client of clients) {
      client.ws.close(1001, 'page closed');
      await client.closed;
    }
    assert.equal(labelledContainers(instanceId).length, 4);
    const next = await server.open({env: 'shell', cmd: 'echo made-room', interactive: false});
    await next.waitForOutput('made-room');
    assert.equal((await next.waitForExit()).code, 0);
    // The oldest closed tab's container was removed to make that room.
    await waitUntil(() => labelledContainers(instanceId).length === 3, 'three containers left (the oldest closed tab and the finished Run removed)');
    assert.equal(server.server.activeSessions, 3);
  });

  it('four dropped connections (no close frame) keep the cap: the next Run is refused with too-many-sessions', async () => {
    const {server, instanceId, clients} = await atCap('dropped');
    for (const client of clients) {
      (client.ws as unknown as {_socket: Socket})._socket.destroy();
      await client.closed;
    }
    const refused = await server.post({env: 'shell', cmd: 'true', interactive: false});
    assert.equal(refused.status, 429);
    assert.equal((refused.body as ErrorBody).error.code, 'too-many-sessions');
    assert.equal(server.server.activeSessions, 4);
    assert.equal(labelledContainers(instanceId).length, 4);
  });
});
