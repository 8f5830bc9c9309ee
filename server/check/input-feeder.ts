/**
 * Types a block's scripted input the way a reader does: one line at a time,
 * each once the program has gone quiet (it printed its prompt and waits).
 * Sent all at once when the program starts, the keys reach the TTY before the
 * program's prompt, and the TTY echoes them at once: the output (and so a
 * recorded transcript) then shows the answers before the questions.
 */
import type {Clock, TimerHandle} from '../clock.js';

/** Quiet after the last output that counts as "the program waits": longer than a program's pause between two prints. */
export const QUIET_BEFORE_TYPING_MS = 250;
/**
 * Longest wait for output before a line is typed anyway: a program that reads
 * without a prompt (or with echo off) prints nothing until it has its line.
 */
export const PATIENCE_BEFORE_TYPING_MS = 1000;

/** Splits keystrokes into lines that each end with Enter (CR); a last part without one is a line too. */
export function inputLines(keys: string): string[] {
  return keys.match(/[^\r]*\r|[^\r]+$/g) ?? [];
}

export interface InputFeederOptions {
  /** The keystrokes, as `scriptedInput` gives them. */
  keys: string;
  send(keys: string): void;
  clock: Clock;
  quietMs?: number;
  patienceMs?: number;
}

export class InputFeeder implements Disposable {
  private readonly lines: string[];
  private readonly quietMs: number;
  private readonly patienceMs: number;
  private sentLines = 0;
  private started = false;
  private disposed = false;
  private outputSeen = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly options: InputFeederOptions) {
    this.lines = inputLines(options.keys);
    this.quietMs = options.quietMs ?? QUIET_BEFORE_TYPING_MS;
    this.patienceMs = options.patienceMs ?? PATIENCE_BEFORE_TYPING_MS;
  }

  /** Lines typed so far. */
  get typed(): number {
    return this.sentLines;
  }

  /** The program runs: start watching for the moment it waits. */
  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.arm(this.outputSeen ? this.quietMs : this.patienceMs);
  }

  /** The program printed something (the echo of a typed line included): wait until it is quiet again. */
  output(): void {
    this.outputSeen = true;
    if (this.started) this.arm(this.quietMs);
  }

  [Symbol.dispose](): void {
    this.disposed = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.disposed || this.sentLines >= this.lines.length) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => this.typeNextLine(), ms);
  }

  private typeNextLine(): void {
    this.timer = undefined;
    if (this.disposed) return;
    const line = this.lines[this.sentLines++];
    if (line !== undefined) this.options.send(line);
    // The echo usually comes back at once; without one, type the next line after the same patience.
    this.arm(this.patienceMs);
  }
}
