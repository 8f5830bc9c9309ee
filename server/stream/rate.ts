/**
 * A token bucket for terminal output (`limits.outputRate`), shared by every
 * session of one client: a reader with four tabs flooding gets the rate once,
 * not four times. Pumps spend what they sent and hold their source for as
 * long as the bucket is in debt.
 */
import type {Clock} from '../clock.js';

/** Burst, in seconds of the rate: a program printing a screenful is never slowed. */
export const RATE_BURST_SECONDS = 0.25;

export class OutputRate {
  readonly bytesPerSecond: number;
  #tokens: number;
  #refilledAt: number;

  constructor(
    bytesPerSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`an output rate must be positive (got ${bytesPerSecond})`);
    this.bytesPerSecond = bytesPerSecond;
    this.#tokens = this.burst;
    this.#refilledAt = clock.now();
  }

  private get burst(): number {
    return this.bytesPerSecond * RATE_BURST_SECONDS;
  }

  /**
   * Takes `bytes` (already sent) from the bucket and returns how long the
   * spender should hold its source (ms; 0 while the bucket is not in debt).
   * A chunk larger than the burst is paid back over the time it is worth.
   */
  spend(bytes: number): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAt) * this.bytesPerSecond) / 1000) - bytes;
    this.#refilledAt = now;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.bytesPerSecond);
  }
}
