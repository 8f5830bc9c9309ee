/**
 * Flow control to the client (real engine): a client that
 * said `hello` never has more than FLOW_WINDOW_BYTES unacknowledged, a client
 * that never acks still gets everything, and Ctrl-C stops a flood within a second.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {FLOW_WINDOW_BYTES} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FLOOD = "tr '\\0' y </dev/zero";

describe('flow control (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('flow');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      // No output rate: these tests hold the pipe itself (window, backpressure) at full speed.
      config: {limits: {outputLimit: '4g', outputRate: 0, timeout: '2m', maxTimeout: '5m', idleTimeout: '2m'}},
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('a client that acks slowly never has more than the window unacknowledged', async () => {
    // The pause lets `hello` arrive before the first byte, so every byte counts against the window.
    const client = await server.open({env: 'shell', cmd: `sleep 1; ${FLOOD}`, interactive: true});
    client.keepBytes = 64 * 1024;
    client.control({type: 'hello', acks: true});
    let acked = 0;
    let worst = 0;
    client.ws.on('message', (_data, isBinary) => {
      if (isBinary) worst = Math.max(worst, client.receivedBytes - acked);
    });
    const started = Date.now();
    while (Date.now() - started < 4_000) {
      await sleep(100);
      // A slow reader: acknowledges at most 32 KiB per 100 ms.
      const step = Math.min(32 * 1024, client.receivedBytes - acked);
      if (step > 0) {
        acked += step;
        client.control({type: 'ack', bytes: step});
      }
    }
    console.log(`received ${client.receivedBytes} bytes, worst unacknowledged ${worst} (window ${FLOW_WINDOW_BYTES})`);
    assert.ok(client.receivedBytes > FLOW_WINDOW_BYTES, 'output flowed past one window: the acks released it');
    assert.ok(worst <= FLOW_WINDOW_BYTES, `at most the window in flight (worst ${worst})`);
    assert.ok(client.receivedBytes <= acked + FLOW_WINDOW_BYTES);
    client.ws.close(1000);
  });

  it('a client that never acks (no hello) still gets all the output', async () => {
    const client = await server.open({env: 'shell', cmd: "head -c 3000000 /dev/zero | tr '\\0' y; echo; echo END"});
    client.keepBytes = 64 * 1024;
    const exit = await client.waitForExit(60_000);
    assert.equal(exit.code, 0);
    assert.equal(client.receivedBytes, 3_000_000 + 'END'.length + 4);
  });

  it('Ctrl-C during a flood takes effect within a second for a client that acks', async () => {
    const client = await server.open({env: 'shell', cmd: FLOOD, interactive: true});
    client.keepBytes = 64 * 1024;
    client.control({type: 'hello', acks: true});
    // A quick reader (like xterm on a fast machine): acks every 32 KiB received.
    let pending = 0;
    client.ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      pending += (data as Buffer).length;
      if (pending >= 32 * 1024) {
        client.control({type: 'ack', bytes: pending});
        pending = 0;
      }
    });
    await client.waitFor(() => client.receivedBytes > 8 * 1024 * 1024, 30_000, 'the flood to run');
    const sent = Date.now();
    client.send(Buffer.from('\x03'));
    const exit = await client.waitForExit(10_000);
    const elapsed = Date.now() - sent;
    console.log(`Ctrl-C → exit in ${elapsed} ms (exit ${JSON.stringify(exit)})`);
    assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
    assert.equal(exit.reason, 'exit');
  });
});
