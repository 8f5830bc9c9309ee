import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Registry} from 'prom-client';
import {ManualClock} from '../../../test/helpers/clock.js';
import {SandboxError} from '../../errors.js';
import {BEAT_INTERVAL_MS, BEAT_TTL_MS, ClusterMember, LEASE_MS} from '../member.js';
import {createClusterMetrics} from '../metrics.js';
import {MemoryStore} from './memory-store.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function member(options: {node?: string; store?: MemoryStore; clock?: ManualClock; active?: () => number; capacity?: number} = {}) {
  const clock = options.clock ?? new ManualClock();
  const store = options.store ?? new MemoryStore(() => clock.now());
  const registry = new Registry();
  const metrics = createClusterMetrics(registry);
  const logs: Array<[string, string]> = [];
  const instance = new ClusterMember({
    node: options.node ?? 'n1',
    store,
    limits: {maxSessionsPerClient: 2, sessionsPerMinute: 3},
    capacity: options.capacity ?? 4,
    active: options.active ?? (() => 0),
    clock,
    log: (level, message) => logs.push([level, message]),
    metrics,
  });
  return {instance, store, clock, registry, logs};
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SandboxError) return error.code;
    throw error;
  }
  return 'admitted';
}

describe('ClusterMember', () => {
  it('holds the per-client limit across gateways: a second gateway refuses the third session of one client', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore(() => clock.now());
    const a = member({node: 'n1', store, clock}).instance;
    const b = member({node: 'n2', store, clock}).instance;
    const first = await a.admit('1.2.3.4');
    await b.admit('1.2.3.4');
    assert.equal(await refusal(b.admit('1.2.3.4')), 'too-many-sessions');
    assert.equal(await refusal(a.admit('5.6.7.8')), 'admitted', 'another client is not counted');
    first.release();
    await settle();
    assert.equal(await refusal(b.admit('1.2.3.4')), 'admitted', 'a released slot makes room anywhere');
  });

  it('holds the creation rate across gateways', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore(() => clock.now());
    const a = member({node: 'n1', store, clock}).instance;
    const b = member({node: 'n2', store, clock}).instance;
    for (const gateway of [a, b, a]) (await gateway.admit('c')).release();
    await settle();
    assert.equal(await refusal(b.admit('c')), 'rate-limited');
    clock.advance(60_001);
    assert.equal(await refusal(b.admit('c')), 'admitted');
  });

  it('admits on local limits alone while Redis does not answer, warns once and counts it', async () => {
    const {instance, store, registry, logs} = member();
    store.failWith = new Error('Connection is closed.');
    assert.equal(await refusal(instance.admit('c')), 'admitted');
    assert.equal(await refusal(instance.admit('c')), 'admitted');
    assert.equal(await refusal(instance.admit('c')), 'admitted', 'the cluster limit is not applied without Redis');
    assert.equal(logs.filter(([level]) => level === 'warn').length, 1);
    assert.match((await registry.metrics()), /sandbox_cluster_redis_fallbacks_total\{op="admit"\} 3/);
    // Redis is back: the beat writes the slots it never counted, so the limit holds again.
    store.failWith = undefined;
    instance.beat();
    await settle();
    assert.equal(await refusal(instance.admit('c')), 'too-many-sessions');
    assert.ok(logs.some(([level, message]) => level === 'info' && /available again/.test(message)));
  });

  it('puts a session in the directory when it exists and takes it out when it ends', async () => {
    const {instance, store} = member();
    const hold = await instance.admit('c');
    hold.session('s1');
    await settle();
    assert.equal(await store.locate('s1'), 'n1');
    hold.release();
    hold.release();
    await settle();
    assert.equal(await store.locate('s1'), undefined);
    assert.equal(instance.slots, 0);
  });

  it("beats every second with its free capacity; a node that stops drops out within its beat's TTL, and its leases expire", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore(() => clock.now());
    let active = 4;
    const full = member({node: 'n1', store, clock, active: () => active}).instance;
    const other = member({node: 'n2', store, clock, active: () => 1}).instance;
    full.start();
    other.start();
    await settle();
    assert.deepEqual((await store.nodes()).map((beat) => [beat.node, beat.free]), [['n1', 0], ['n2', 3]]);
    const held = await other.admit('c');
    held.session('s2');
    await settle();
    assert.equal(await store.locate('s2'), 'n2');
    // n2 dies: it beats no more.
    await other.dispose();
    clock.advance(BEAT_TTL_MS + 1);
    await settle();
    assert.deepEqual((await store.nodes()).map((beat) => beat.node), ['n1']);
    clock.advance(LEASE_MS);
    await settle();
    assert.equal(await store.locate('s2'), undefined, "the directory forgets a dead node's sessions");
    active = 3;
    clock.advance(BEAT_INTERVAL_MS);
    await settle();
    assert.deepEqual((await store.nodes()).map((beat) => [beat.node, beat.free]), [['n1', 1]]);
    assert.ok(BEAT_INTERVAL_MS < BEAT_TTL_MS && BEAT_TTL_MS < 5_000);
    await full.dispose();
    await full.dispose();
    assert.equal(store.closed, 2);
  });
});
