/**
 * Output to one viewer of a shared session, bounded on its own: a viewer
 * never pauses the program or the owner's stream (the owner's pump alone does
 * that), so a viewer that does not keep up is skipped instead. Once its socket
 * holds more than VIEWER_BUFFER_BYTES unsent it is "behind": live chunks are
 * dropped for it, and when it has drained below VIEWER_RESUME_BYTES it gets a
 * fresh snapshot (`snapshot` message, then the screen) and goes live again.
 * A viewer still behind after VIEWER_CUT_AFTER_MS is closed with 4008
 * (`viewerBehind`); it may reconnect for a fresh screen.
 */
import {CLOSE_CODES, encodeMessage} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';

/** Unsent bytes a viewer's socket may hold: what a stalled viewer costs the server at most (plus one chunk). */
export const VIEWER_BUFFER_BYTES = 256 * 1024;
/** Below this many unsent bytes a viewer that was behind is resynced. */
export const VIEWER_RESUME_BYTES = 32 * 1024;
/** How often a viewer that is behind is looked at. */
export const VIEWER_POLL_MS = 50;
/** A viewer behind this long is cut (4008). */
export const VIEWER_CUT_AFTER_MS = 60_000;

/** The part of a viewer's socket its feed needs. */
export interface ViewerSink {
  readonly bufferedAmount: number;
  readonly open: boolean;
  send(data: Buffer | string): void;
  close(code: number, reason: string): void;
}

/** The current screen to send: its size and its contents as escape sequences. */
export interface ScreenSnapshot {
  cols: number;
  rows: number;
  screen: string;
}

export interface ViewerFeedOptions {
  clock: Clock;
  snapshot: () => ScreenSnapshot;
  /** The viewer was sent a fresh snapshot because it had fallen behind (metrics). */
  onResync?: () => void;
  /** The viewer was cut for staying behind (metrics). */
  onCut?: () => void;
  bufferBytes?: number;
  resumeBytes?: number;
  pollMs?: number;
  cutAfterMs?: number;
}

export class ViewerFeed {
  #behindSince: number | undefined;
  #poll: TimerHandle | undefined;
  #disposed = false;

  constructor(
    readonly sink: ViewerSink,
    private readonly options: ViewerFeedOptions,
  ) {}

  get behind(): boolean {
    return this.#behindSince !== undefined;
  }

  /** The first screen: `snapshot`, then the screen, then live output. */
  start(): void {
    this.sendSnapshot();
  }

  /** A parsed chunk of live output. */
  output(chunk: Buffer): void {
    if (this.#disposed || this.#behindSince !== undefined || !this.sink.open) return;
    if (this.sink.bufferedAmount + chunk.length > (this.options.bufferBytes ?? VIEWER_BUFFER_BYTES)) {
      this.fallBehind();
      return;
    }
    this.sink.send(chunk);
  }

  /** Output was lost for every viewer (the mirror overflowed): resync when the socket allows. */
  fallBehind(): void {
    if (this.#disposed || this.#behindSince !== undefined) return;
    this.#behindSince = this.options.clock.now();
    this.schedule();
  }

  /** A control message to the viewer (sent even while behind: they are few and small). */
  message(text: string): void {
    if (!this.#disposed && this.sink.open) this.sink.send(text);
  }

  private schedule(): void {
    if (this.#poll || this.#disposed) return;
    this.#poll = this.options.clock.setTimeout(() => {
      this.#poll = undefined;
      this.check();
    }, this.options.pollMs ?? VIEWER_POLL_MS);
  }

  private check(): void {
    const since = this.#behindSince;
    if (this.#disposed || since === undefined || !this.sink.open) return;
    if (this.sink.bufferedAmount <= (this.options.resumeBytes ?? VIEWER_RESUME_BYTES)) {
      this.#behindSince = undefined;
      this.options.onResync?.();
      this.sendSnapshot();
      return;
    }
    if (this.options.clock.now() - since >= (this.options.cutAfterMs ?? VIEWER_CUT_AFTER_MS)) {
      this.options.onCut?.();
      this.sink.close(CLOSE_CODES.viewerBehind, 'viewer fell behind the output; reconnect for a fresh screen');
      this.dispose();
      return;
    }
    this.schedule();
  }

  private sendSnapshot(): void {
    if (this.#disposed || !this.sink.open) return;
    const {cols, rows, screen} = this.options.snapshot();
    this.sink.send(encodeMessage({type: 'snapshot', cols, rows}));
    this.sink.send(Buffer.from(screen, 'utf8'));
  }

  /** Stops polling. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.options.clock.clearTimeout(this.#poll);
    this.#poll = undefined;
  }
}
