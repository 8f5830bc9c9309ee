import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {createMetrics} from '../../metrics.js';
import {errorCodeOf, meteredRuntime, outcomeOf, SessionTracker} from '../metering.js';
import type {ContainerRuntime, SandboxContainer} from '../../runtime/types.js';
import type {Session} from '../../sessions/session.js';

/** The part of a Session the tracker reads. */
const fakeSession = (id: string, fromPool = false) => {
  const fake = {id, state: 'running', hasPeer: true, outputBytes: 5, fromPool, terminate: () => {}};
  return fake as typeof fake & Session;
};

describe('metering', () => {
  it('maps end reasons to outcomes and bodies to codes', () => {
    assert.equal(outcomeOf('oom'), 'oom');
    assert.equal(outcomeOf('sandbox-lost'), 'error');
    assert.equal(errorCodeOf('{"error":{"code":"rate-limited","message":"m"}}'), 'rate-limited');
    assert.equal(errorCodeOf('<html>'), undefined);
  });

  it('counts a session active until it ends, by its logged reason or as killed when it ends quietly', async () => {
    const metrics = createMetrics({defaultMetrics: false});
    const tracker = new SessionTracker(metrics, {highWaterMark: 10, lowWaterMark: 5});
    try {
      const first = fakeSession('a');
      const second = fakeSession('b');
      tracker.created(first, {env: 'shell', client: '1.2.3.4'});
      tracker.created(second, {env: 'python', client: '1.2.3.4'});
      assert.equal(tracker.list().length, 2);
      let text = await metrics.registry.metrics();
      assert.match(text, /sandbox_active_sessions\{env="shell"\} 1/);
      tracker.onEvent('session ended', {session: 'a', reason: 'timeout'});
      tracker.onEvent('session ended', {session: 'a', reason: 'timeout'});
      second.state = 'ended';
      tracker.refresh();
      text = await metrics.registry.metrics();
      assert.match(text, /sandbox_active_sessions\{env="shell"\} 0/);
      assert.match(text, /sandbox_active_sessions\{env="python"\} 0/);
      assert.match(text, /sandbox_sessions_total\{env="shell",outcome="timeout"\} 1/);
      assert.match(text, /sandbox_sessions_total\{env="python",outcome="killed"\} 1/);
      assert.deepEqual(tracker.list(), []);
    } finally {
      tracker.dispose();
    }
  });

  it("meters a session's socket: bytes both ways, the first output byte once, one pause per time above the high-water mark", async () => {
    const metrics = createMetrics({defaultMetrics: false});
    const clock = new ManualClock(1_000);
    const tracker = new SessionTracker(metrics, {highWaterMark: 10, lowWaterMark: 5, clock});
    try {
      tracker.created(fakeSession('a'), {env: 'shell', client: '1.2.3.4'});
      const meter = tracker.meter('a');
      meter.received(3);
      clock.advance(250);
      meter.sent(0, 0); // a control message: no output byte yet
      meter.sent(4, 0);
      clock.advance(750);
      meter.sent(6, 11); // above the high-water mark: one pause
      meter.sent(1, 12); // still above: the same pause
      meter.sent(1, 5); // drained to the low one
      meter.sent(1, 11); // above again: a second pause
      tracker.meter('unknown').sent(2, 100); // a socket the tracker does not know: bytes only
      tracker.upgradeRefused('unauthorized');
      assert.equal(tracker.get('a')?.firstOutputAt, 1_250);
      const text = await metrics.registry.metrics();
      assert.match(text, /sandbox_bytes_total\{direction="in"\} 3/);
      assert.match(text, /sandbox_bytes_total\{direction="out"\} 15/);
      assert.match(text, /sandbox_backpressure_pauses_total 2/);
      assert.match(text, /sandbox_time_to_first_byte_seconds_count\{env="shell",pool="cold"\} 1/);
      assert.match(text, /sandbox_time_to_first_byte_seconds_sum\{env="shell",pool="cold"\} 0\.25/);
      assert.match(text, /sandbox_rejections_total\{reason="unauthorized"\} 1/);
    } finally {
      tracker.dispose();
    }
  });

  it('labels the time to first byte of a session whose container came from a warm pool as pool="warm"', async () => {
    const metrics = createMetrics({defaultMetrics: false});
    const clock = new ManualClock(0);
    const tracker = new SessionTracker(metrics, {highWaterMark: 10, lowWaterMark: 5, clock});
    try {
      tracker.created(fakeSession('w', true), {env: 'shell', client: '1.2.3.4'});
      clock.advance(20);
      tracker.meter('w').sent(3, 0);
      const text = await metrics.registry.metrics();
      assert.match(text, /sandbox_time_to_first_byte_seconds_count\{env="shell",pool="warm"\} 1/);
      assert.doesNotMatch(text, /sandbox_time_to_first_byte_seconds_count\{env="shell",pool="cold"\}/);
    } finally {
      tracker.dispose();
    }
  });

  it("settles a quietly ended session on the clock's one-second sweep, which dispose stops", async () => {
    const metrics = createMetrics({defaultMetrics: false});
    const clock = new ManualClock();
    const tracker = new SessionTracker(metrics, {highWaterMark: 10, lowWaterMark: 5, clock});
    const session = fakeSession('q');
    tracker.created(session, {env: 'shell', client: '1.2.3.4'});
    session.state = 'ended';
    clock.advance(999);
    assert.ok(tracker.get('q'), 'not before the sweep');
    clock.advance(1);
    assert.equal(tracker.get('q'), undefined);
    assert.match(await metrics.registry.metrics(), /sandbox_sessions_total\{env="shell",outcome="killed"\} 1/);
    tracker.dispose();
    tracker.dispose();
    assert.equal(clock.pendingTimers, 0);
  });

  it('times container starts, not takes from a warm pool', async () => {
    const metrics = createMetrics({defaultMetrics: false});
    let fromPool = false;
    const runtime = {
      start: async () => ({id: 'c', fromPool}) as unknown as SandboxContainer,
    } as unknown as ContainerRuntime;
    const metered = meteredRuntime(runtime, metrics, new ManualClock(0));
    const spec = {envName: 'shell'} as Parameters<ContainerRuntime['start']>[0];
    await metered.start(spec);
    fromPool = true;
    await metered.start(spec);
    const text = await metrics.registry.metrics();
    assert.match(text, /sandbox_container_start_seconds_count\{env="shell"\} 1/);
  });
});

describe('metered runtime', () => {
  /** A runtime with every optional method, each reading a private field (as DockerRuntime's do). */
  class FullRuntime implements ContainerRuntime {
    readonly #calls: string[] = [];
    get calls(): readonly string[] {
      return this.#calls;
    }
    async start(): Promise<SandboxContainer> {
      this.#calls.push('start');
      return {id: 'c'} as unknown as SandboxContainer;
    }
    async engine() {
      this.#calls.push('engine');
      return {reachable: true, runtimes: []};
    }
    async hasImage(image: string) {
      this.#calls.push(`hasImage ${image}`);
      return true;
    }
    async reap(filter: {instanceId?: string}) {
      this.#calls.push(`reap ${filter.instanceId}`);
      return 3;
    }
    async close() {
      this.#calls.push('close');
    }
    startBackground() {
      this.#calls.push('startBackground');
    }
    async acquireLease(images: readonly string[]) {
      this.#calls.push(`acquireLease ${images.join(',')}`);
      return {instanceId: 'i', name: 'lease', held: true, lost: new Promise<void>(() => {}), release: async () => {}, [Symbol.asyncDispose]: async () => {}};
    }
  }

  it('passes every method of the runtime through, the optional ones included, bound to the runtime', async () => {
    const runtime = new FullRuntime();
    const metered = meteredRuntime(runtime, createMetrics({defaultMetrics: false}), new ManualClock(0));
    await metered.start({envName: 'shell'} as Parameters<ContainerRuntime['start']>[0]);
    await metered.engine();
    assert.equal(await metered.hasImage('img'), true);
    assert.equal(await metered.reap({instanceId: 'x'}), 3);
    await metered.close?.();
    metered.startBackground?.();
    const lease = await metered.acquireLease?.(['a', 'b']);
    assert.equal(lease?.name, 'lease');
    assert.deepEqual(runtime.calls, ['start', 'engine', 'hasImage img', 'reap x', 'close', 'startBackground', 'acquireLease a,b']);
  });

  it('leaves an optional method absent when the runtime has none', () => {
    const runtime: ContainerRuntime = {
      start: async () => ({id: 'c'}) as unknown as SandboxContainer,
      engine: async () => ({reachable: true, runtimes: []}),
      hasImage: async () => true,
      reap: async () => 0,
    };
    const metered = meteredRuntime(runtime, createMetrics({defaultMetrics: false}));
    assert.equal(metered.close, undefined);
    assert.equal(metered.startBackground, undefined);
    assert.equal(metered.acquireLease, undefined);
  });
});
