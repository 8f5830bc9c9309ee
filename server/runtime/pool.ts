/**
 * The warm pool: a `ContainerRuntime` that keeps, per
 * environment, up to `poolSize` hardened containers created and started ahead
 * of demand, each waiting for its seed on stdin (warm.ts). `start()` takes one
 * when the environment has one ready (a few ms: one write and one marker) and
 * starts a cold container otherwise, so callers see the same contract.
 *
 * - Each warm container serves exactly one session and is never reused: a
 *   session's `remove()` removes it like any other.
 * - Replenished in the background with bounded concurrency; an environment
 *   whose creations fail backs off exponentially (the reason is logged).
 * - Counted against the global cap: warm + creating + containers handed out
 *   (until removed) + starts in flight never exceed `maxContainers` (the
 *   server's maxSessions), so filling yields to sessions; a cold start at the
 *   cap evicts a warm container of another environment first. Admission
 *   (sessions/) stays as it is: it counts sessions, and a session's container
 *   never waits for the pool.
 * - A warm container older than its environment's maxLifetime is recycled; the
 *   sweep allows it that long on top (LABELS.warmFor), because a session's
 *   lifetime starts when it takes the container.
 * - Labelled like every container plus LABELS.pool: a restarted server (same
 *   instance id) reaps its predecessor's pool and spares its own.
 * - `close()` stops filling and removes every warm container (drained).
 */
import {randomBytes} from 'node:crypto';
import {DEFAULT_BACKOFF, EnvironmentPool} from './environment-pool.js';
import {HandedOutContainer} from './handed-out.js';
import type {Backoff, PooledRuntimeOptions, StartObservation, WarmCapableRuntime, WarmHandle} from './pool-types.js';
import {checkCommand, checkSeedFiles} from './seed.js';
import {
  type ContainerRuntime,
  type ContainerSpec,
  type EngineInfo,
  type InstanceLease,
  LABELS,
  type ReapFilter,
  type SandboxContainer,
} from './types.js';
import {systemClock, type Clock, type TimerHandle} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {WarmContainerRequest} from './warm-seed.js';

export type {PooledRuntimeOptions, StartObservation, WarmCapableRuntime, WarmHandle} from './pool-types.js';

export class PooledRuntime<Warm extends WarmHandle = WarmHandle> implements ContainerRuntime {
  /** Value of LABELS.pool on this pool's containers. */
  readonly poolLabel = randomBytes(8).toString('hex');
  readonly #runtime: WarmCapableRuntime<Warm>;
  readonly #pools = new Map<string, EnvironmentPool<Warm>>();
  readonly #maxContainers: number;
  readonly #fillConcurrency: number;
  readonly #backoff: Backoff;
  readonly #clock: Clock;
  readonly #log: LogFunction;
  readonly #onStart: ((observation: StartObservation) => void) | undefined;
  readonly #onWarmChange: ((envName: string, ready: number) => void) | undefined;
  /** Containers handed to sessions and not yet removed. */
  readonly #live = new Set<string>();
  /** `start()` calls in flight (each will hold a container). */
  #starting = 0;
  readonly #creations = new Set<Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  #timer: TimerHandle | undefined;
  #closed: Promise<void> | undefined;
  #filling = false;
  /** The inner runtime's instance lease, when it has one. */
  readonly acquireLease?: (images: readonly string[]) => Promise<InstanceLease>;
  /** The inner runtime's exec, when it has one (a step runs in a container this pool handed out). */
  readonly exec?: NonNullable<ContainerRuntime['exec']>;

  constructor(options: PooledRuntimeOptions<Warm>) {
    this.#runtime = options.runtime;
    this.#maxContainers = options.maxContainers;
    this.#fillConcurrency = Math.max(1, options.fillConcurrency ?? 2);
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? (() => undefined);
    this.#onStart = options.onStart;
    this.#onWarmChange = options.onWarmChange;
    const inner = options.runtime;
    if (inner.acquireLease) this.acquireLease = (images) => inner.acquireLease!(images);
    if (inner.exec) this.exec = (containerId, request, execOptions) => inner.exec!(containerId, request, execOptions);
    for (const [name, env] of Object.entries(options.environments)) {
      if (env.poolSize <= 0) continue;
      this.#pools.set(name, new EnvironmentPool(name, env));
    }
    if (options.fillOnCreate !== false) this.startBackground();
  }

  /** Starts filling the pools (once; a no-op after close()). */
  startBackground(): void {
    this.#filling = true;
    this.#fill();
  }


  /** Warm containers ready now, all environments. */
  get warmCount(): number {
    let count = 0;
    for (const pool of this.#pools.values()) count += pool.ready.length;
    return count;
  }

  /** Warm containers ready now, per pooled environment. */
  warmByEnvironment(): Record<string, number> {
    return Object.fromEntries([...this.#pools.values()].map((pool) => [pool.name, pool.ready.length]));
  }

  /** Warm containers being created now. */
  get creatingCount(): number {
    let count = 0;
    for (const pool of this.#pools.values()) count += pool.creating;
    return count;
  }

  /** Containers handed out and not yet removed. */
  get liveCount(): number {
    return this.#live.size;
  }

  /** Every container this runtime holds or has handed out (what counts against the cap). */
  get containerCount(): number {
    return this.#live.size + this.#starting + this.warmCount + this.creatingCount;
  }

  async start(spec: ContainerSpec, options: {signal?: AbortSignal | undefined} = {}): Promise<SandboxContainer> {
    options.signal?.throwIfAborted();
    // A refused request must not cost a warm container: caps first.
    checkCommand(spec.cmd);
    checkSeedFiles(spec.files, spec.env.limits);
    const began = this.#clock.now();
    this.#starting += 1;
    try {
      const warm = this.#takeReady(spec);
      if (warm !== undefined) {
        this.#fill();
        try {
          const container = await this.#runtime.takeWarm(warm, spec, options);
          this.#onStart?.({envName: spec.envName, source: 'warm', ms: this.#clock.now() - began});
          return this.#track(container, true);
        } catch (error) {
          if (options.signal?.aborted) throw error;
          this.#log('warn', 'seeding a warm container failed; starting a cold one', {env: spec.envName, error: String(error)});
        }
      }
      this.#makeRoom();
      const container = await this.#runtime.start(spec, options);
      this.#onStart?.({envName: spec.envName, source: 'cold', ms: this.#clock.now() - began});
      return this.#track(container, false);
    } finally {
      this.#starting -= 1;
      this.#fill();
    }
  }

  engine(): Promise<EngineInfo> {
    return this.#runtime.engine();
  }

  hasImage(image: string): Promise<boolean> {
    return this.#runtime.hasImage(image);
  }

  /**
   * As the inner runtime's, sparing this pool's warm containers and the
   * containers sessions hold, until close(): after it, whatever is left (a
   * removal that failed while the engine was away) is fair game.
   */
  reap(filter: ReapFilter): Promise<number> {
    const open = this.#closed === undefined;
    return this.#runtime.reap({
      ...filter,
      spare: (container) =>
        filter.spare?.(container) === true ||
        (open && (container.labels[LABELS.pool] === this.poolLabel || this.#live.has(container.id))),
    });
  }

  /** Stops filling and removes every warm container; resolves when they are gone. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#clock.clearTimeout(this.#timer);
      for (const controller of this.#aborts) controller.abort(new Error('the warm pool is closing'));
      // Creations in flight remove what they made when aborted (or on landing).
      await Promise.allSettled([...this.#creations]);
      const warm = [...this.#pools.values()].flatMap((pool) => pool.ready.splice(0));
      await Promise.allSettled(warm.map((container) => container.remove()));
      this.#report();
      await this.#runtime.close?.();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #takeReady(spec: ContainerSpec): Warm | undefined {
    const pool = this.#pools.get(spec.envName);
    if (pool === undefined || this.#closed || !pool.serves(spec.env)) return undefined;
    return pool.takeAvailable();
  }

  /** Wraps a handed-out container so its removal frees its place under the cap. */
  #track(container: SandboxContainer, fromPool: boolean): SandboxContainer {
    this.#live.add(container.id);
    return new HandedOutContainer(container, fromPool, () => {
      this.#live.delete(container.id);
      this.#fill();
    });
  }

  /** A cold start at the cap: evict the oldest warm containers until it fits. */
  #makeRoom(): void {
    while (this.containerCount > this.#maxContainers) {
      let oldest: EnvironmentPool<Warm> | undefined;
      for (const pool of this.#pools.values()) {
        const head = pool.ready[0];
        if (head !== undefined && (oldest === undefined || head.readyAt < oldest.ready[0]!.readyAt)) oldest = pool;
      }
      if (oldest === undefined) return;
      const evicted = oldest.ready.shift()!;
      this.#discard(evicted, 'evicted for a cold start at the container cap');
    }
  }

  #discard(warm: Warm, why: string): void {
    warm.remove().catch((error: unknown) => this.#log('warn', 'removing a warm container failed', {container: warm.id, error: String(error)}));
    this.#log('info', 'warm container removed', {container: warm.id, why});
  }

  /** Starts creations where pools are short, within the cap and the concurrency. */
  #fill(): void {
    if (this.#closed || !this.#filling) return;
    const now = this.#clock.now();
    this.#recycle(now);
    let spawned = true;
    // Round robin: one container per environment per pass, so one pool cannot starve another.
    while (spawned) {
      spawned = false;
      for (const pool of this.#pools.values()) {
        if (this.creatingCount >= this.#fillConcurrency || this.containerCount >= this.#maxContainers) break;
        if (!pool.wantsMore(now)) continue;
        this.#create(pool);
        spawned = true;
      }
    }
    this.#schedule(now);
    this.#report();
  }

  #report(): void {
    if (!this.#onWarmChange) return;
    for (const pool of this.#pools.values()) {
      const ready = pool.readyChange();
      if (ready !== undefined) this.#onWarmChange(pool.name, ready);
    }
  }

  #create(pool: EnvironmentPool<Warm>): void {
    pool.creating += 1;
    const controller = new AbortController();
    this.#aborts.add(controller);
    const request: WarmContainerRequest = {
      id: `warm-${randomBytes(8).toString('hex')}`,
      envName: pool.name,
      env: pool.env,
      pool: this.poolLabel,
      warmForMs: pool.env.limits.maxLifetime,
    };
    const creation = this.#runtime.startWarm(request, {signal: controller.signal}).then(
      (warm) => {
        pool.creating -= 1;
        pool.succeeded();
        // Closed, or sessions took the room meanwhile: not needed.
        if (this.#closed || this.containerCount >= this.#maxContainers) {
          this.#discard(warm, this.#closed ? 'the pool is closing' : 'no room under the container cap');
          return;
        }
        pool.ready.push(warm);
        warm.exited.then(
          () => this.#lost(pool, warm),
          () => this.#lost(pool, warm),
        );
      },
      (error: unknown) => {
        pool.creating -= 1;
        if (this.#closed) return;
        const delay = pool.failed(this.#clock.now(), this.#backoff);
        this.#log('warn', 'creating a warm container failed', {env: pool.name, error: String(error), retryInMs: delay});
      },
    );
    const settled = creation.finally(() => {
      this.#aborts.delete(controller);
      this.#creations.delete(settled);
      this.#fill();
    });
    this.#creations.add(settled);
  }

  /** A warm container ended before any session took it: drop it, count a failure. */
  #lost(pool: EnvironmentPool<Warm>, warm: Warm): void {
    const index = pool.ready.indexOf(warm);
    if (index === -1 || !warm.available) return;
    pool.ready.splice(index, 1);
    pool.failed(this.#clock.now(), this.#backoff);
    this.#discard(warm, 'it ended while warm');
    this.#fill();
  }

  /** Removes warm containers older than their environment's maxLifetime. */
  #recycle(now: number): void {
    for (const pool of this.#pools.values()) {
      for (const warm of pool.expired(now)) this.#discard(warm, 'recycled at its maximum age');
    }
  }

  /** One timer for the next thing that needs time: a back-off ending or a container to recycle. */
  #schedule(now: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    let next = Infinity;
    for (const pool of this.#pools.values()) next = Math.min(next, pool.nextDue(now));
    if (next === Infinity) return;
    this.#timer = this.#clock.setTimeout(() => this.#fill(), Math.max(10, next - now));
  }
}
