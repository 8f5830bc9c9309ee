/**
 * One environment's share of the warm pool: its ready containers (oldest
 * first), the creations in flight and the back-off after failures, with the
 * decisions on them that need no engine. PooledRuntime keeps one per
 * environment with `poolSize > 0` and does the engine work.
 */
import type {EnvironmentConfig} from '../../config/index.js';
import {hardeningKey} from './compatibility.js';
import type {Backoff, WarmHandle} from './pool-types.js';

export const DEFAULT_BACKOFF: Backoff = {initialMs: 1_000, maxMs: 60_000};

/** Backoff delay after `failures` consecutive failures (1, 2, 4, … × initial, capped). */
export function backoffDelay(failures: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

export class EnvironmentPool<Warm extends WarmHandle> {
  /** How many warm containers it keeps (the environment's poolSize). */
  readonly size: number;
  /** The create options its containers were made with, as a key (compatibility.ts). */
  readonly key: string;
  /** Oldest first. */
  readonly ready: Warm[] = [];
  /** Creations in flight. */
  creating = 0;
  /** Consecutive failed creations (or containers that ended while warm). */
  failures = 0;
  /** No creation before this time (ms) after a failure. */
  retryAt = 0;
  /** The ready count last reported to the gauge (-1: never). */
  #reported = -1;

  constructor(
    readonly name: string,
    readonly env: EnvironmentConfig,
  ) {
    this.size = env.poolSize;
    this.key = hardeningKey(env);
  }

  /** A request whose limits differ from the pool's needs other create options. */
  serves(env: EnvironmentConfig): boolean {
    return env === this.env || hardeningKey(env) === this.key;
  }

  /** Removes and returns the oldest ready container still available. */
  takeAvailable(): Warm | undefined {
    while (this.ready.length > 0) {
      const warm = this.ready.shift()!;
      if (warm.available) return warm;
    }
    return undefined;
  }

  /** Short of its size and not backing off at `now`. */
  wantsMore(now: number): boolean {
    return this.ready.length + this.creating < this.size && now >= this.retryAt;
  }

  /** A creation landed: the back-off is over. */
  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
  }

  /** Counts a failure at `now`; returns the delay before the next creation. */
  failed(now: number, backoff: Backoff): number {
    this.failures += 1;
    const delay = backoffDelay(this.failures, backoff);
    this.retryAt = now + delay;
    return delay;
  }

  /** Removes and returns the ready containers as old as the environment's maxLifetime or older. */
  expired(now: number): Warm[] {
    const maxAge = this.env.limits.maxLifetime;
    const expired: Warm[] = [];
    while (this.ready.length > 0 && now - this.ready[0]!.readyAt >= maxAge) expired.push(this.ready.shift()!);
    return expired;
  }

  /** When it next needs a fill pass: a back-off ending or its oldest container to recycle (Infinity: never). */
  nextDue(now: number): number {
    let next = Infinity;
    if (this.retryAt > now && this.ready.length + this.creating < this.size) next = this.retryAt;
    const oldest = this.ready[0];
    if (oldest !== undefined) next = Math.min(next, oldest.readyAt + this.env.limits.maxLifetime);
    return next;
  }

  /** The ready count if it changed since the last call, for the gauge. */
  readyChange(): number | undefined {
    if (this.ready.length === this.#reported) return undefined;
    this.#reported = this.ready.length;
    return this.#reported;
  }
}
