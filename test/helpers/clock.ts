/** A manually advanced clock for unit tests of anything that takes a `Clock`. */
import type {Clock, TimerHandle} from '../../server/clock.js';

interface PendingTimer {
  at: number;
  callback: () => void;
  /** Set for an interval: due again this many ms later. */
  every?: number;
}

export class ManualClock implements Clock {
  private time: number;
  private timers = new Map<number, PendingTimer>();
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

  setInterval(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const every = Math.max(1, ms);
    this.timers.set(id, {at: this.time + every, callback, every});
    return {ref: id};
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in order (timers they set fire too when due). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: [number, PendingTimer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      const [id, timer] = next;
      if (timer.every === undefined) this.timers.delete(id);
      else this.timers.set(id, {...timer, at: timer.at + timer.every});
      this.time = Math.max(this.time, timer.at);
      timer.callback();
    }
    this.time = until;
  }
}
