/**
 * A session's timers, one per purpose, each owned by the phases it belongs to:
 * setting a purpose again replaces its timer, and entering a phase that does
 * not own a timer clears it, so no timer outlives the phase it was set for.
 */
import type {Clock, TimerHandle} from '../clock.js';

export class PhaseTimers<Purpose extends string, Phase extends string> {
  readonly #armed = new Map<Purpose, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly owners: Readonly<Record<Purpose, readonly Phase[]>>,
  ) {}

  /** Arms `purpose` (replacing a timer of the same purpose). */
  set(purpose: Purpose, ms: number, callback: () => void): void {
    this.clear(purpose);
    const handle = this.clock.setTimeout(() => {
      if (this.#armed.get(purpose) !== handle) return;
      this.#armed.delete(purpose);
      callback();
    }, ms);
    this.#armed.set(purpose, handle);
  }

  clear(purpose: Purpose): void {
    const handle = this.#armed.get(purpose);
    if (!handle) return;
    this.clock.clearTimeout(handle);
    this.#armed.delete(purpose);
  }

  has(purpose: Purpose): boolean {
    return this.#armed.has(purpose);
  }

  /** The purposes armed now (for tests and diagnostics). */
  get armed(): Purpose[] {
    return [...this.#armed.keys()];
  }

  /** Clears every timer `phase` does not own. */
  enter(phase: Phase): void {
    for (const purpose of [...this.#armed.keys()]) {
      if (!this.owners[purpose].includes(phase)) this.clear(purpose);
    }
  }

  clearAll(): void {
    for (const purpose of [...this.#armed.keys()]) this.clear(purpose);
  }
}
