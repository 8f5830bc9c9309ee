/**
 * The periodic sweep: the session manager's rate windows are pruned, a lost
 * (or never taken) instance lease is taken again, and this project's
 * containers older than the longest lifetime plus a margin are removed,
 * whichever server made them: one that crashed leaves its containers behind.
 */
import type {SandboxConfig} from '../../config/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ReapFilter} from '../runtime/types.js';

/** Removes the project's containers older than the longest lifetime plus this margin. */
export const SWEEP_MARGIN_MS = 60_000;
/** At most this long between sweeps; a shorter lifetime sweeps as often as it lasts. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/** The longest lifetime (ms) any environment, or the default limits, allow a container. */
export function longestLifetime(config: Pick<SandboxConfig, 'environments' | 'limits'>): number {
  return Math.max(...Object.values(config.environments).map((env) => env.limits.maxLifetime), config.limits.maxLifetime);
}

export interface SweepOptions {
  clock: Clock;
  /** The longest lifetime a container may have (ms): see longestLifetime. */
  maxLifetimeMs: number;
  /** The session manager's housekeeping. */
  prune(): void;
  /** Takes a lost or never-taken instance lease again; never throws. */
  ensureOwnership(): Promise<void>;
  reap(filter: ReapFilter): Promise<number>;
  log: LogFunction;
}

export class Sweep {
  readonly #options: SweepOptions;
  #timer: TimerHandle | undefined;
  #disposed = false;

  constructor(options: SweepOptions) {
    this.#options = options;
  }

  get intervalMs(): number {
    return Math.min(MAX_SWEEP_INTERVAL_MS, this.#options.maxLifetimeMs);
  }

  /** Sweeps every interval from now on (once the server owns its instance). Idempotent; a no-op once disposed. */
  start(): void {
    if (this.#timer !== undefined || this.#disposed) return;
    this.#timer = this.#options.clock.setInterval(() => this.runOnce(), this.intervalMs);
  }

  /** One sweep; failures are logged, never thrown. */
  runOnce(): void {
    const {prune, ensureOwnership, reap, log, maxLifetimeMs} = this.#options;
    prune();
    // A lease lost while the engine restarted (or never taken) is taken again here.
    void ensureOwnership();
    reap({olderThanMs: maxLifetimeMs + SWEEP_MARGIN_MS})
      .then((count) => {
        if (count > 0) log('info', 'swept expired containers', {count});
      })
      .catch((error: unknown) => log('warn', 'sweep failed', {error: String(error)}));
  }

  /** Stops the interval. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#options.clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
