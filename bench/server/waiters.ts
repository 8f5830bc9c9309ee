/**
 * Promises that settle when a condition over a client's state holds, checked
 * each time the client calls `wake()` (on every message) instead of polling.
 */
export class Waiters {
  readonly #checks = new Set<() => void>();

  get size(): number {
    return this.#checks.size;
  }

  wake(): void {
    for (const check of this.#checks) check();
  }

  /**
   * Resolves once `predicate` holds; rejects with `failure(reason)` after
   * `timeoutMs`, or as soon as `gone()` says the source ended.
   */
  waitFor(options: {
    predicate: () => boolean;
    timeoutMs: number;
    failure: (reason: 'timed out' | 'closed') => Error;
    gone?: () => boolean;
  }): Promise<void> {
    const {predicate, timeoutMs, failure, gone} = options;
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.#checks.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (predicate()) settle();
        else if (gone?.()) settle(failure('closed'));
      };
      const timer = setTimeout(() => settle(failure('timed out')), timeoutMs);
      this.#checks.add(check);
    });
  }
}
