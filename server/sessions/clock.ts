/**
 * Time behind a small interface so session timeouts, token expiry and rate
 * windows are unit-tested without waiting (STYLE rule 11).
 */
export interface TimerHandle {
  /** Opaque; only passed back to clearTimeout. */
  readonly ref?: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // Session timers must never keep a closing process alive.
    timer.unref();
    return {ref: timer};
  },
  clearTimeout: (handle) => {
    if (handle?.ref) clearTimeout(handle.ref as NodeJS.Timeout);
  },
};

/** A manually advanced clock for unit tests. */
export class ManualClock implements Clock {
  private time: number;
  private timers = new Map<number, {at: number; callback: () => void}>();
  private nextId = 1;

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, {at: this.time + Math.max(0, ms), callback});
    return {ref: id};
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.ref as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order (timers they set fire too when due). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: [number, {at: number; callback: () => void}] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].callback();
    }
    this.time = until;
  }
}
