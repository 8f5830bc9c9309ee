/**
 * PooledRuntime's bookkeeping over a scripted runtime: filling to poolSize,
 * taking warm vs starting cold, never reusing, refilling, the global cap,
 * back-off, recycling, draining and the reaper's spare rule. The real engine
 * is exercised in test/integration/pool.test.ts.
 */
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import {systemClock} from '../../clock.js';
import {normalizeConfig, type EnvironmentConfig, type SandboxConfigInput} from '../../../config/index.js';
import {hardeningKey} from '../compatibility.js';
import {backoffDelay} from '../environment-pool.js';
import {PooledRuntime, type StartObservation, type WarmCapableRuntime, type WarmHandle} from '../pool.js';
import {type ContainerExit, type ContainerSpec, type EngineInfo, LABELS, type ReapFilter, type SandboxContainer} from '../types.js';
import type {WarmContainerRequest} from '../warm-seed.js';

class FakeWarm implements WarmHandle {
  available = true;
  removed = false;
  readonly exited: Promise<unknown>;
  end: () => void = () => undefined;
  constructor(
    readonly id: string,
    readonly readyAt: number,
    readonly request: WarmContainerRequest,
  ) {
    this.exited = new Promise<void>((resolve) => (this.end = resolve));
  }
  async remove(): Promise<void> {
    if (!this.available) return;
    this.available = false;
    this.removed = true;
  }
}

function fakeContainer(id: string, removed: Set<string>): SandboxContainer {
  const remove = async () => void removed.add(id);
  return {
    id,
    stream: new PassThrough(),
    exited: new Promise<ContainerExit>(() => undefined),
    resize: async () => undefined,
    kill: async () => undefined,
    remove,
    [Symbol.asyncDispose]: remove,
  };
}

/** A scripted runtime: warm creations land on the next tick (or fail while `failing`). */
class FakeRuntime implements WarmCapableRuntime<FakeWarm> {
  now = 0;
  failing = false;
  /** When set, creations wait for `release()`. */
  hold = false;
  private held: Array<() => void> = [];
  readonly warm: FakeWarm[] = [];
  readonly taken: string[] = [];
  readonly cold: string[] = [];
  readonly removed = new Set<string>();
  readonly reaped: ReapFilter[] = [];
  creationsStarted = 0;
  closed = 0;

  async startWarm(request: WarmContainerRequest, options: {signal?: AbortSignal | undefined} = {}): Promise<FakeWarm> {
    this.creationsStarted += 1;
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    else await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
    if (this.failing) throw new Error('engine says no');
    const warm = new FakeWarm(request.id, this.now, request);
    this.warm.push(warm);
    return warm;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  async takeWarm(warm: FakeWarm, spec: ContainerSpec): Promise<SandboxContainer> {
    if (!warm.available) throw new Error(`reused ${warm.id}`);
    warm.available = false;
    this.taken.push(`${warm.id}:${spec.sessionId}`);
    return fakeContainer(warm.id, this.removed);
  }

  async start(spec: ContainerSpec): Promise<SandboxContainer> {
    this.cold.push(spec.sessionId);
    return fakeContainer(`cold-${spec.sessionId}`, this.removed);
  }

  async engine(): Promise<EngineInfo> {
    return {reachable: true, runtimes: []};
  }

  async hasImage(): Promise<boolean> {
    return true;
  }

  async reap(filter: ReapFilter): Promise<number> {
    this.reaped.push(filter);
    return 0;
  }

  async close(): Promise<void> {
    this.closed += 1;
  }

  get liveWarm(): FakeWarm[] {
    return this.warm.filter((warm) => warm.available);
  }
}

const settle = async (ticks = 5) => {
  for (let index = 0; index < ticks; index++) await new Promise((resolve) => setImmediate(resolve));
};

function setup(input: SandboxConfigInput, options: {maxContainers?: number; fillConcurrency?: number} = {}) {
  const config = normalizeConfig(input);
  const runtime = new FakeRuntime();
  const observed: StartObservation[] = [];
  const gauge: Record<string, number> = {};
  const pool = new PooledRuntime({
    runtime,
    environments: config.environments,
    maxContainers: options.maxContainers ?? 20,
    fillConcurrency: options.fillConcurrency ?? 2,
    backoff: {initialMs: 30, maxMs: 120},
    // Real timers, the scripted runtime's time.
    clock: {...systemClock, now: () => runtime.now},
    onStart: (observation) => observed.push(observation),
    onWarmChange: (env, ready) => (gauge[env] = ready),
  });
  let sessions = 0;
  const spec = (envName = 'shell', overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
    sessionId: `s${++sessions}`,
    envName,
    env: config.environments[envName]!,
    files: [{path: 'main.sh', content: 'echo hi'}],
    cmd: 'sh main.sh',
    interactive: false,
    cols: 80,
    rows: 24,
    ...overrides,
  });
  return {config, runtime, pool, observed, gauge, spec};
}

describe('PooledRuntime', () => {
  it('fills each pooled environment to its poolSize and leaves others alone', async () => {
    const {runtime, pool, gauge} = setup({environments: {shell: {poolSize: 3}, python: {poolSize: 1}}});
    await settle(10);
    assert.equal(pool.warmCount, 4);
    assert.deepEqual(pool.warmByEnvironment(), {shell: 3, python: 1});
    assert.deepEqual(gauge, {shell: 3, python: 1});
    assert.equal(runtime.warm.filter((warm) => warm.request.envName === 'node').length, 0);
    for (const warm of runtime.warm) {
      assert.equal(warm.request.pool, pool.poolLabel);
      assert.equal(warm.request.warmForMs, warm.request.env.limits.maxLifetime);
    }
    await pool.close();
  });

  it('a session takes a warm container, each one once, and the pool refills', async () => {
    const {runtime, pool, spec, observed} = setup({environments: {shell: {poolSize: 2}}});
    await settle(10);
    const first = await pool.start(spec());
    const second = await pool.start(spec());
    assert.notEqual(first.id, second.id);
    assert.equal(runtime.cold.length, 0);
    assert.deepEqual(observed.map((observation) => observation.source), ['warm', 'warm']);
    await settle(10);
    assert.equal(pool.warmCount, 2, 'refilled in the background');
    const ids = runtime.taken.map((entry) => entry.split(':')[0]);
    assert.equal(new Set(ids).size, ids.length, 'never reused');
    await pool.close();
  });

  it('starts cold when the pool is empty, for unpooled environments and for other limits', async () => {
    const {runtime, pool, spec, config} = setup({environments: {shell: {poolSize: 1}}});
    await settle(10);
    await pool.start(spec('shell'));
    await pool.start(spec('shell')); // the pool is refilling: cold
    await pool.start(spec('python'));
    const tighter: EnvironmentConfig = {...config.environments.shell!, limits: {...config.environments.shell!.limits, memory: 64 * 1024 ** 2}};
    await settle(10);
    assert.equal(pool.warmCount, 1);
    await pool.start(spec('shell', {env: tighter}));
    assert.equal(runtime.taken.length, 1);
    assert.equal(runtime.cold.length, 3);
    assert.equal(pool.warmCount, 1, 'a request with other limits does not consume a warm container');
    await pool.close();
  });

  it('checks the caps before taking a warm container', async () => {
    const {runtime, pool, spec} = setup({environments: {shell: {poolSize: 1}}});
    await settle(10);
    await assert.rejects(pool.start(spec('shell', {cmd: 'x\0'})), {code: 'bad-request'});
    await assert.rejects(pool.start(spec('shell', {files: [{path: '/etc/passwd', content: ''}]})), {code: 'bad-path'});
    assert.equal(runtime.taken.length, 0);
    assert.equal(pool.warmCount, 1);
    await pool.close();
  });

  it('never holds more containers than the cap: filling yields to sessions', async () => {
    const {runtime, pool, spec} = setup({environments: {shell: {poolSize: 4}}}, {maxContainers: 3});
    await settle(10);
    assert.equal(pool.warmCount, 3, 'filled up to the cap only');
    const sessions = [await pool.start(spec()), await pool.start(spec())];
    await settle(10);
    assert.equal(pool.liveCount, 2);
    assert.equal(pool.warmCount, 1, 'two sessions hold two of the three places');
    assert.ok(pool.containerCount <= 3);
    await sessions[0]!.remove();
    await settle(10);
    assert.equal(pool.warmCount, 2, 'a removed session container frees a place for the pool');
    assert.ok(runtime.removed.has(sessions[0]!.id));
    await pool.close();
  });

  it('a cold start at the cap evicts a warm container of another environment', async () => {
    const {runtime, pool, spec} = setup({environments: {python: {poolSize: 2}}}, {maxContainers: 2});
    await settle(10);
    assert.equal(pool.warmCount, 2);
    await pool.start(spec('shell'));
    assert.equal(pool.warmCount, 1);
    assert.equal(runtime.warm.filter((warm) => warm.removed).length, 1);
    assert.ok(pool.containerCount <= 2);
    await pool.close();
  });

  it('backs off after failed creations and recovers', async () => {
    const {runtime, pool} = setup({environments: {shell: {poolSize: 1}}});
    runtime.failing = true;
    await settle(10);
    const afterFirstFailure = runtime.creationsStarted;
    assert.ok(afterFirstFailure >= 1);
    await settle(10);
    assert.equal(runtime.creationsStarted, afterFirstFailure, 'no retry before the back-off ends');
    runtime.failing = false;
    runtime.now += 1000;
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settle(10);
    assert.equal(pool.warmCount, 1);
    await pool.close();
  });

  it('drops a warm container that ends and replaces it', async () => {
    const {runtime, pool} = setup({environments: {shell: {poolSize: 1}}, limits: {}});
    await settle(10);
    const first = runtime.liveWarm[0]!;
    first.end();
    await settle(10);
    assert.equal(first.removed, true);
    runtime.now += 1000; // past the back-off
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settle(10);
    assert.equal(pool.warmCount, 1);
    assert.notEqual(runtime.liveWarm[0]!.id, first.id);
    await pool.close();
  });

  it('recycles warm containers older than the maxLifetime', async () => {
    const {runtime, pool} = setup({environments: {shell: {poolSize: 1, limits: {maxLifetime: '50ms'}}}});
    await settle(10);
    const first = runtime.liveWarm[0]!;
    runtime.now += 60;
    await new Promise((resolve) => setTimeout(resolve, 80));
    await settle(10);
    assert.equal(first.removed, true);
    assert.equal(pool.warmCount, 1);
    assert.notEqual(runtime.liveWarm[0]!.id, first.id);
    await pool.close();
  });

  it('close() stops filling, drains every warm container and creations in flight, and is idempotent', async () => {
    const {runtime, pool, spec, gauge} = setup({environments: {shell: {poolSize: 2}}});
    await settle(10);
    const session = await pool.start(spec());
    runtime.hold = true;
    await settle(5);
    const closing = pool.close();
    runtime.release();
    await closing;
    await pool.close();
    assert.equal(pool.warmCount, 0);
    assert.equal(runtime.liveWarm.length, 0, 'nothing warm is left');
    assert.equal(runtime.removed.has(session.id), false, "a session's container is the session's to remove");
    assert.equal(gauge.shell, 0);
    assert.equal(runtime.closed, 1);
    const created = runtime.creationsStarted;
    await settle(10);
    assert.equal(runtime.creationsStarted, created);
  });

  it('reap spares its own warm containers and those sessions hold, not a predecessor pool', async () => {
    const {runtime, pool, spec} = setup({environments: {shell: {poolSize: 1}}});
    await settle(10);
    const session = await pool.start(spec());
    await pool.reap({instanceId: 'inst'});
    const spare = runtime.reaped[0]!.spare!;
    assert.equal(spare({id: 'x', labels: {[LABELS.pool]: pool.poolLabel}}), true);
    assert.equal(spare({id: session.id, labels: {}}), true);
    assert.equal(spare({id: 'y', labels: {[LABELS.pool]: 'predecessor'}}), false);
    assert.equal(spare({id: 'z', labels: {}}), false);
    await pool.close();
    await pool.reap({instanceId: 'inst'});
    const afterClose = runtime.reaped[1]!.spare!;
    assert.equal(afterClose({id: 'x', labels: {[LABELS.pool]: pool.poolLabel}}), false, 'after close() nothing is spared');
    assert.equal(afterClose({id: session.id, labels: {}}), false);
  });
});

describe('pool helpers', () => {
  it('backoffDelay doubles from the first delay up to the cap', () => {
    const backoff = {initialMs: 1000, maxMs: 60_000};
    assert.deepEqual([1, 2, 3, 4, 7, 8, 100].map((failures) => backoffDelay(failures, backoff)), [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  it('hardeningKey changes with what the create options are built from, not with the shell', () => {
    const env = normalizeConfig({}).environments.shell!;
    assert.equal(hardeningKey(env), hardeningKey({...env, shell: 'sh', cmd: 'x'}));
    assert.notEqual(hardeningKey(env), hardeningKey({...env, network: true}));
    assert.notEqual(hardeningKey(env), hardeningKey({...env, limits: {...env.limits, pids: 256}}));
    assert.notEqual(hardeningKey(env), hardeningKey({...env, image: 'other:1'}));
  });
});
