/**
 * Backpressure: a client that stops reading while its program prints without
 * end must not grow the server's memory, and output must resume when it reads
 * again.
 */
import assert from 'node:assert/strict';
import type {Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function memory(): number {
  // Tests run with --expose-gc (scripts/run-tests.mjs); without it the figure is noisier but still bounded.
  const gc = (globalThis as {gc?: () => void}).gc;
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe('backpressure (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('flood');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      // No output rate: a client that stops reading must be held by backpressure alone.
      config: {limits: {outputLimit: '8g', outputRate: 0, timeout: '3m', maxTimeout: '5m', idleTimeout: '3m', maxLifetime: '5m'}},
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('a client that stops reading costs < 64 MiB over 30 s, and output resumes when it reads again', async () => {
    const client = await server.open({env: 'shell', cmd: "tr '\\0' y </dev/zero"});
    client.keepBytes = 64 * 1024;
    await client.waitFor(() => client.receivedBytes > 4 * MiB, 20_000, 'the flood to start');
    const socket = (client.ws as unknown as {_socket: Socket})._socket;
    socket.pause();
    // Let the kernel buffers and the high-water mark fill before the baseline.
    await sleep(2_000);
    const receivedAtPause = client.receivedBytes;
    const baseline = memory();
    const samples: number[] = [];
    for (let second = 0; second < 30; second++) {
      await sleep(1_000);
      samples.push(memory() - baseline);
    }
    const growth = Math.max(...samples);
    console.log(`memory growth while paused: max ${(growth / MiB).toFixed(1)} MiB, last ${(samples.at(-1)! / MiB).toFixed(1)} MiB`);
    assert.ok(growth < 64 * MiB, `server memory grew by ${(growth / MiB).toFixed(1)} MiB`);
    assert.equal(client.messages.some((message) => message.type === 'exit'), false, 'the session is still alive');

    socket.resume();
    await client.waitFor(() => client.receivedBytes > receivedAtPause + 16 * MiB, 30_000, 'output to resume');
    assert.equal(client.messages.some((message) => message.type === 'exit'), false);
    client.control({type: 'signal', signal: 'SIGKILL'});
    const exit = await client.waitForExit(20_000);
    assert.equal(exit.reason, 'killed');
  });
});
