/**
 * The timers the client schedules with, injected so tests drive time by hand.
 * Its own module so every part of the client can take it without importing
 * the session (which would close an import circle through the status text).
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The host's timers (the browser's window timers, or Node's in tests of real code). */
export const globalTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
