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
/**
 * At most one resync per this long. A viewer that does not read still drains
 * a little now and then (the kernel grows a loopback socket's buffers for
 * seconds): without a pause between resyncs it was resynced over and over, and
 * each serialize blocked the event loop (the owner's echo p99 doubled and the
 * server grew ~15 MiB in 30 s, measured with the shares integration test).
 */
export const VIEWER_RESYNC_INTERVAL_MS = 1_000;

/** The part of a viewer's socket its feed needs. */
export interface ViewerSink {
  readonly bufferedAmount: number;
  readonly open: boolean;
  send(data: Buffer | string): void;
  close(code: number, reason: string): void;
}

/** The current screen to send: its size and its contents as escape sequences (`withScrollback`: some history too). */
export interface ScreenSnapshot {
  cols: number;
  rows: number;
  screen: string;
}

export interface ViewerFeedOptions {
  clock: Clock;
  snapshot: (withScrollback: boolean) => ScreenSnapshot;
  /** The viewer was sent a fresh snapshot because it had fallen behind (metrics). */
  onResync?: () => void;
  /** The viewer was cut for staying behind (metrics). */
  onCut?: () => void;
  bufferBytes?: number;
  resumeBytes?: number;
  pollMs?: number;
  cutAfterMs?: number;
  resyncIntervalMs?: number;
}

export class ViewerFeed {
  #behindSince: number | undefined;
  #poll: TimerHandle | undefined;
  #disposed = false;
  /** Live output flows only after the first snapshot (which holds everything before it). */
  #started = false;
  #lastSnapshotAt = -Infinity;

  constructor(
    readonly sink: ViewerSink,
    private readonly options: ViewerFeedOptions,
  ) {}

  get behind(): boolean {
    return this.#behindSince !== undefined;
  }

  /** The first screen: `snapshot`, then the screen, then live output. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.sendSnapshot(true);
  }

  /** A parsed chunk of live output. */
  output(chunk: Buffer): void {
    if (this.#disposed || !this.#started || this.#behindSince !== undefined || !this.sink.open) return;
    if (this.sink.bufferedAmount + chunk.length > (this.options.bufferBytes ?? VIEWER_BUFFER_BYTES)) {
      this.fallBehind();
      return;
    }
    this.sink.send(chunk);
  }

  /** Output was lost for every viewer (the mirror overflowed): resync when the socket allows. */
  fallBehind(): void {
    if (this.#disposed || !this.#started || this.#behindSince !== undefined) return;
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
    const now = this.options.clock.now();
    const rested = now - this.#lastSnapshotAt >= (this.options.resyncIntervalMs ?? VIEWER_RESYNC_INTERVAL_MS);
    if (rested && this.sink.bufferedAmount <= (this.options.resumeBytes ?? VIEWER_RESUME_BYTES)) {
      this.#behindSince = undefined;
      this.options.onResync?.();
      // The screen alone: the viewer keeps its own history, and a serialize of the screen costs ~1 ms instead of 6-10.
      this.sendSnapshot(false);
      return;
    }
    if (now - since >= (this.options.cutAfterMs ?? VIEWER_CUT_AFTER_MS)) {
      this.options.onCut?.();
      this.sink.close(CLOSE_CODES.viewerBehind, 'viewer fell behind the output; reconnect for a fresh screen');
      this.dispose();
      return;
    }
    this.schedule();
  }

  private sendSnapshot(withScrollback: boolean): void {
    if (this.#disposed || !this.sink.open) return;
    this.#lastSnapshotAt = this.options.clock.now();
    const {cols, rows, screen} = this.options.snapshot(withScrollback);
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
