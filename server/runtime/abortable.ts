/**
 * Engine calls bounded by a deadline and the caller's abort signal. A call
 * that cannot be cut safely (a create the engine may still complete) is raced
 * instead, and a result that lands late is handed to a clean-up.
 */

/**
 * Aborts on the caller's signal or after `ms`, whichever comes first. Its own
 * timer (not AbortSignal.timeout, whose timer is unref'd) so a hung engine
 * call still ends; `clear()` once the guarded step is over.
 */
export function deadline(ms: number, signal: AbortSignal | undefined): {signal: AbortSignal; clear: () => void} {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, {once: true});
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Settles with `promise` unless `signal` aborts first; then rejects with the
 * signal's reason and hands a late result to `discard` so nothing leaks.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal, discard: (late: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then(discard, () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.then(discard, () => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, {once: true});
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        // After an abort, onAbort has already handed this value to discard.
        if (!signal.aborted) resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
