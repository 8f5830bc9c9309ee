/**
 * Time behind one small interface, shared by every part of the server that
 * reads the time or sets a timer (sessions, stream, runtime, admin, the
 * composition root), so timeouts, expiry, rate windows and intervals are
 * unit-tested without waiting. Tests use `ManualClock` (test/helpers/clock.ts).
 */
export interface TimerHandle {
  /** Opaque; only passed back to clearTimeout. */
  readonly ref?: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Calls `callback` every `ms` until cleared; never keeps the process alive. */
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
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
  setInterval: (callback, ms) => {
    const timer = setInterval(callback, ms);
    timer.unref();
    return {ref: timer};
  },
  clearInterval: (handle) => {
    if (handle?.ref) clearInterval(handle.ref as NodeJS.Timeout);
  },
};
