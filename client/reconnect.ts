/**
 * When to try a dropped socket again: the attempts made since the last
 * successful open, each after a jittered backoff delay (see `backoff.ts`), and
 * whether any socket of the session opened at all (a reconnect, rather than a
 * first connection that never worked).
 */
import {backoffDelay, DEFAULT_BACKOFF, type BackoffOptions} from './backoff.js';

export class ReconnectSchedule {
  readonly #backoff: BackoffOptions;
  readonly #random: (() => number) | undefined;
  #attempts = 0;
  #everOpened = false;

  /** `random` returns [0, 1) like Math.random (the default). */
  constructor(backoff: BackoffOptions = DEFAULT_BACKOFF, random?: () => number) {
    this.#backoff = backoff;
    this.#random = random;
  }

  /** Attempts made since the last successful open. */
  get attempts(): number {
    return this.#attempts;
  }

  /** A socket of this session reached `open` at least once. */
  get everOpened(): boolean {
    return this.#everOpened;
  }

  /** A socket opened: the next drop starts counting from the first attempt again. */
  opened(): void {
    this.#everOpened = true;
    this.#attempts = 0;
  }

  /** Counts one more attempt and says which it is (1-based) and how long to wait before it. */
  nextAttempt(): {attempt: number; delayMs: number} {
    const delayMs = backoffDelay(this.#attempts, this.#backoff, this.#random);
    this.#attempts += 1;
    return {attempt: this.#attempts, delayMs};
  }
}
