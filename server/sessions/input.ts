/**
 * Terminal input on its way to the container's stdin, bounded both ways:
 * keystrokes typed before the container runs are kept (up to MAX_EARLY_INPUT
 * bytes; more is dropped) and written once it runs, and while the program does
 * not read its input (stdin full) the socket is paused until stdin drains.
 */
import type {Writable} from 'node:stream';

/** Keystrokes typed before the container runs are kept up to this many bytes. */
export const MAX_EARLY_INPUT = 64 * 1024;

/** The part of a client socket input needs: stop and continue reading its frames. */
export interface InputSource {
  pause(): void;
  resume(): void;
}

export class TerminalInput<Source extends InputSource = InputSource> {
  #stdin: Writable | undefined;
  #early: Buffer[] = [];
  #earlyBytes = 0;
  /** The socket paused for a full stdin, until its `drain`. */
  #pausedSource: Source | undefined;
  #disposed = false;

  /** `isCurrent` says whether a paused socket is still the session's (only that one is resumed). */
  constructor(private readonly isCurrent: (source: Source) => boolean) {}

  /** Bytes kept for a container that does not run yet. */
  get earlyBytes(): number {
    return this.#earlyBytes;
  }

  /** Whether a socket is paused because stdin is full. */
  get paused(): boolean {
    return this.#pausedSource !== undefined;
  }

  /** The container runs: the kept input goes to its stdin first. */
  connect(stdin: Writable): void {
    if (this.#disposed || this.#stdin) return;
    this.#stdin = stdin;
    for (const chunk of this.#early) stdin.write(chunk);
    this.#early = [];
    this.#earlyBytes = 0;
  }

  write(data: Buffer, source: Source): void {
    if (this.#disposed) return;
    const stdin = this.#stdin;
    if (!stdin) {
      if (this.#earlyBytes + data.length <= MAX_EARLY_INPUT) {
        this.#early.push(data);
        this.#earlyBytes += data.length;
      }
      return;
    }
    if (!stdin.write(data) && !this.#pausedSource) {
      // The program does not read its input: stop reading the socket until it does.
      this.#pausedSource = source;
      source.pause();
      stdin.once('drain', () => {
        this.#pausedSource = undefined;
        if (this.isCurrent(source)) source.resume();
      });
    }
  }

  /** Ctrl-C (ETX) to the terminal, ahead of nothing: dropped while the container does not run. */
  interrupt(): void {
    if (!this.#disposed) this.#stdin?.write('\x03');
  }

  /** Drops kept input; later writes are ignored. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#early = [];
    this.#earlyBytes = 0;
  }
}
