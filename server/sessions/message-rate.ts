/**
 * A fixed one-second window over a socket's control messages: at most
 * `perSecond` are let through per window, and the first one over the limit in
 * a window is the only one reported (so a flood gets one error, not one each).
 */
import type {Clock} from '../clock.js';

/** `allowed`; `refused-first` (tell the client once); `refused` (drop silently). */
export type MessageVerdict = 'allowed' | 'refused-first' | 'refused';

const WINDOW_MS = 1000;

export class MessageRateWindow {
  #start = 0;
  #count = 0;
  #warned = false;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock,
  ) {}

  take(): MessageVerdict {
    const now = this.clock.now();
    if (now - this.#start >= WINDOW_MS) {
      this.#start = now;
      this.#count = 0;
      this.#warned = false;
    }
    this.#count += 1;
    if (this.#count <= this.perSecond) return 'allowed';
    if (this.#warned) return 'refused';
    this.#warned = true;
    return 'refused-first';
  }
}
