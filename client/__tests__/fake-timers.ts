import type {Timers} from '../timers.js';

/** Manual clock for the client's timers: `advance` fires what falls due, in time order, with `now` at each timer's time. */
export class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  readonly pending = new Map<number, {at: number; callback: () => void}>();
  setTimeout(callback: () => void, ms: number) {
    const handle = this.#next++;
    this.pending.set(handle, {at: this.now + ms, callback});
    return handle;
  }
  clearTimeout(handle: unknown) {
    this.pending.delete(handle as number);
  }
  advance(ms: number) {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.pending].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = target;
  }
}
