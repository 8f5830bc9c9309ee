/**
 * Reconnect delays: exponential backoff (base 1 s, ×2, cap 30 s) with ±20 %
 * jitter, so many readers whose sockets dropped at the same moment (a
 * server restart) do not all come back at once, while six attempts still cover
 * the server's default 60 s reconnect grace.
 */
export interface BackoffOptions {
  /** First bound in ms. */
  baseMs: number;
  /** Largest bound in ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {baseMs: 1000, capMs: 30_000};

/** Upper bound of the delay before attempt `attempt` (0-based). */
export function backoffBound(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  // 2 ** attempt overflows to Infinity for large attempts; min() keeps it finite.
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(options.capMs, options.baseMs * 2 ** exponent);
}

/** Relative jitter around the bound: ±20 %. */
export const JITTER = 0.2;

/** A delay in [0.8, 1.2) × bound for attempt `attempt`; `random` returns [0, 1) like Math.random. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.floor(backoffBound(attempt, options) * (1 + JITTER * (2 * random() - 1)));
}
