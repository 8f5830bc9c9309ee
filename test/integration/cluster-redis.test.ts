/**
 * The cluster store's Lua scripts on a real redis-server (started here on a
 * free loopback port, no persistence): the per-client count and the
 * one-minute window held atomically, leases and heartbeats that expire, the
 * directory, and fast failure while Redis is down. Fails (never skips) in CI
 * without redis-server.
 */
import assert from 'node:assert/strict';
import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {createServer} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {createRedisStore} from '../../server/cluster/redis-store.js';
import type {ClusterStore} from '../../server/cluster/store.js';
import {inCI} from '../helpers/requirements.js';

const hasRedis = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
})();
if (!hasRedis && inCI) throw new Error('CI requires redis-server: run `bash scripts/install-system-deps.sh --cluster`');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('the cluster store on Redis', {skip: hasRedis ? false : 'redis-server is not installed'}, () => {
  let redis: ChildProcess;
  let store: ClusterStore;
  let port = 0;
  const rounds: string[] = [];
  const limits = {maxSessionsPerClient: 2, sessionsPerMinute: 3};

  before(async () => {
    port = await freePort();
    redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {stdio: 'ignore'});
    for (let tries = 0; tries < 50; tries += 1) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'ping'], {stdio: 'ignore'});
        break;
      } catch {
        await sleep(100);
      }
    }
    store = await createRedisStore({url: `redis://127.0.0.1:${port}`, prefix: 'test:', observe: (op, _seconds, failed) => rounds.push(`${op}:${failed ? 'error' : 'ok'}`)});
    // The client connects in the background.
    for (let tries = 0; tries < 50; tries += 1) {
      try {
        await store.nodes();
        break;
      } catch {
        await sleep(100);
      }
    }
  });

  after(async () => {
    await store?.close();
    redis?.kill('SIGTERM');
  });

  it("counts a client's running sessions and refuses the one over the limit; a release makes room", async () => {
    assert.deepEqual(await store.admit({slot: 'a1', client: 'A'}, limits, 15_000), {admitted: true, running: 1});
    assert.deepEqual(await store.admit({slot: 'a2', client: 'A'}, limits, 15_000), {admitted: true, running: 2});
    assert.deepEqual(await store.admit({slot: 'a3', client: 'A'}, limits, 15_000), {admitted: false, reason: 'too-many-sessions', running: 2});
    await store.release({slot: 'a1', client: 'A'});
    assert.deepEqual(await store.admit({slot: 'a4', client: 'A'}, limits, 15_000), {admitted: true, running: 2});
    assert.ok(rounds.includes('admit:ok') && rounds.includes('release:ok'));
  });

  it('holds the creation rate per minute and says when the window opens again', async () => {
    for (const slot of ['b1', 'b2', 'b3']) {
      assert.equal((await store.admit({slot, client: 'B'}, limits, 15_000)).admitted, true);
      await store.release({slot, client: 'B'});
    }
    const refused = await store.admit({slot: 'b4', client: 'B'}, limits, 15_000);
    assert.equal(refused.admitted, false);
    assert.ok(!refused.admitted && refused.reason === 'rate-limited' && refused.retryAfterMs > 55_000 && refused.retryAfterMs <= 60_000, JSON.stringify(refused));
  });

  it('lets a slot whose lease is not renewed expire, and a beat renews leases and writes the directory', async () => {
    assert.equal((await store.admit({slot: 'c1', client: 'C'}, {maxSessionsPerClient: 1, sessionsPerMinute: 10}, 300)).admitted, true);
    await sleep(400);
    assert.equal((await store.admit({slot: 'c2', client: 'C'}, {maxSessionsPerClient: 1, sessionsPerMinute: 10}, 300)).admitted, true, 'the expired lease no longer counts');
    await store.beat({node: 'n1', sessions: 1, capacity: 4, free: 3}, [{slot: 'c2', client: 'C', session: 's-c2'}], 300, 1_000);
    assert.equal(await store.locate('s-c2'), 'n1');
    assert.deepEqual(await store.nodes(), [{node: 'n1', sessions: 1, capacity: 4, free: 3}]);
    await sleep(400);
    assert.equal((await store.admit({slot: 'c3', client: 'C'}, {maxSessionsPerClient: 1, sessionsPerMinute: 10}, 300)).admitted, false, 'the renewed lease still counts');
    assert.deepEqual(await store.nodes(), [], 'a heartbeat expires after its TTL');
    await sleep(700);
    assert.equal(await store.locate('s-c2'), undefined, 'a directory entry expires with its lease');
  });

  it('fails at once, not after a wait, while Redis is down', async () => {
    redis.kill('SIGKILL');
    await sleep(300);
    const started = Date.now();
    await assert.rejects(store.admit({slot: 'd1', client: 'D'}, limits, 15_000));
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
    assert.ok(rounds.includes('admit:error'));
  });
});
