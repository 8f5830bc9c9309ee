/**
 * The screen of a shared session, kept by a headless terminal so a viewer who
 * joins late (or falls behind) gets the current screen instead of a tail of
 * bytes that starts in the middle of an escape sequence. It is also the
 * viewers' fan-out point: a chunk goes to the viewers once the terminal has
 * parsed it, so a snapshot taken between two chunks is exactly the state the
 * next live chunk applies to.
 *
 * Parsing costs CPU on the server's one thread (xterm's headless parser did
 * 25-40 MiB/s here), so it must never hold the owner's echo: the terminal gets
 * at most SLICE_BYTES per turn of the event loop. Chained from xterm's own
 * write callback, xterm parsed on for up to its 12 ms slice (a 22 ms gap in
 * the event loop, measured); one slice per macrotask keeps each gap to a
 * fraction of a millisecond. The queue is bounded: a mirror that falls behind
 * by more than MAX_BACKLOG_BYTES drops what it has not parsed, resets and
 * parses only the newest KEEP_ON_OVERFLOW_BYTES (the screen is mostly made of
 * those), and tells its owner, who resyncs every viewer.
 */
import xtermHeadless from '@xterm/headless';
import xtermSerialize from '@xterm/addon-serialize';

const {Terminal} = xtermHeadless;
const {SerializeAddon} = xtermSerialize;

/** Most bytes parsed per turn of the event loop (~0.5 ms at the parse rate measured here). */
export const SLICE_BYTES = 16 * 1024;
/** Unparsed bytes kept at most; beyond, the mirror resets (see the file comment). */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
export const KEEP_ON_OVERFLOW_BYTES = 64 * 1024;
/**
 * Scrollback lines kept and sent with a snapshot: a serialize of 200 lines
 * took 6-10 ms warm (the screen alone ~1 ms), all of it on the event loop.
 */
export const MIRROR_SCROLLBACK = 100;

export interface ScreenMirrorOptions {
  cols: number;
  rows: number;
  /** A chunk the terminal has parsed: send it to the live viewers. */
  onParsed: (chunk: Buffer) => void;
  /** Unparsed output was dropped: every viewer needs a fresh snapshot. */
  onOverflow: () => void;
  /** How the next slice is scheduled (a macrotask); default setImmediate. */
  schedule?: (run: () => void) => void;
}

export class ScreenMirror {
  readonly #terminal: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** A slice is in the terminal (or scheduled): the next waits for it. */
  #busy = false;
  #disposed = false;
  /** Bytes ever queued, and ever parsed or dropped: a waiter is due once the second reaches its mark. */
  #queuedTotal = 0;
  #doneTotal = 0;
  #waiters: Array<{mark: number; callback: () => void}> = [];
  readonly #schedule: (run: () => void) => void;

  constructor(private readonly options: ScreenMirrorOptions) {
    this.#terminal = new Terminal({cols: options.cols, rows: options.rows, scrollback: MIRROR_SCROLLBACK, allowProposedApi: true});
    this.#serializer = new SerializeAddon();
    // The addon's types name the browser package's Terminal; the headless one has the same API surface it uses.
    this.#terminal.loadAddon(this.#serializer as unknown as Parameters<InstanceType<typeof Terminal>['loadAddon']>[0]);
    this.#schedule = options.schedule ?? ((run) => setImmediate(run));
  }

  get cols(): number {
    return this.#terminal.cols;
  }

  get rows(): number {
    return this.#terminal.rows;
  }

  /** Bytes waiting to be parsed. */
  get backlog(): number {
    return this.#queuedBytes;
  }

  write(chunk: Buffer): void {
    if (this.#disposed || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    this.#queuedTotal += chunk.length;
    if (this.#queuedBytes > MAX_BACKLOG_BYTES) this.overflow();
    this.next();
  }

  resize(cols: number, rows: number): void {
    if (this.#disposed || (cols === this.#terminal.cols && rows === this.#terminal.rows)) return;
    this.#terminal.resize(cols, rows);
  }

  /** The current screen (and scrollback) as escape sequences that rebuild it on a cleared terminal. */
  snapshot(scrollback = MIRROR_SCROLLBACK): string {
    if (this.#disposed) return '';
    return this.#serializer.serialize({scrollback});
  }

  /**
   * Calls `callback` once everything written so far is parsed (at once when
   * it is): a viewer's first snapshot waits for it, so it shows the screen of
   * now, and only later output follows it live.
   */
  whenCaughtUp(callback: () => void): void {
    if (this.#disposed) return;
    if (this.#doneTotal >= this.#queuedTotal) callback();
    else this.#waiters.push({mark: this.#queuedTotal, callback});
  }

  private settle(bytes: number): void {
    this.#doneTotal += bytes;
    while (this.#waiters.length > 0 && this.#waiters[0]!.mark <= this.#doneTotal) this.#waiters.shift()!.callback();
  }

  /** What is still unparsed, taken out (the session ended: the viewers get it raw before `exit`). */
  takeBacklog(): Buffer[] {
    const rest = this.#queue;
    this.#queue = [];
    this.settle(this.#queuedBytes);
    this.#queuedBytes = 0;
    return rest;
  }

  private overflow(): void {
    const all = Buffer.concat(this.#queue);
    const kept = all.subarray(all.length - KEEP_ON_OVERFLOW_BYTES);
    this.#queue = [Buffer.from(kept)];
    const dropped = this.#queuedBytes - kept.length;
    this.#queuedBytes = kept.length;
    this.#terminal.reset();
    this.options.onOverflow();
    this.settle(dropped);
  }

  private next(): void {
    if (this.#busy || this.#disposed || this.#queuedBytes === 0) return;
    const slice = this.takeSlice();
    this.#busy = true;
    this.#terminal.write(slice, () => {
      if (this.#disposed) return;
      this.options.onParsed(slice);
      this.settle(slice.length);
      // The next slice in a later macrotask, never from inside xterm's write loop (see the file comment).
      this.#schedule(() => {
        this.#busy = false;
        this.next();
      });
    });
  }

  private takeSlice(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (this.#queue.length > 0 && size < SLICE_BYTES) {
      const head = this.#queue[0]!;
      const room = SLICE_BYTES - size;
      if (head.length <= room) {
        parts.push(head);
        size += head.length;
        this.#queue.shift();
      } else {
        parts.push(head.subarray(0, room));
        this.#queue[0] = head.subarray(room);
        size += room;
      }
    }
    this.#queuedBytes -= size;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /** Frees the terminal. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#waiters = [];
    this.#terminal.dispose();
  }
}
