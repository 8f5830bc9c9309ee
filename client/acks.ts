/**
 * Flow-control acknowledgements: the server stops sending once a window of
 * output is unacknowledged, so the client acknowledges output once the
 * terminal has parsed it, in batches. Bytes of an older socket are not counted
 * against the new socket's window: the server opened a fresh window for it.
 */
import {ACK_EVERY_BYTES} from '../protocol/index.js';

export class AckCounter {
  readonly #every: number;
  #unacknowledged = 0;
  #generation = 0;

  /** `every`: send an ack every this many processed bytes (at most half the server's window). */
  constructor(every: number = ACK_EVERY_BYTES) {
    this.#every = every;
  }

  /** Which socket output belongs to; compare with `isCurrent` when it has been processed. */
  get generation(): number {
    return this.#generation;
  }

  isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }

  /** A new socket: its window starts empty and older output no longer counts. */
  newSocket(): void {
    this.#generation += 1;
    this.#unacknowledged = 0;
  }

  /** Counts processed bytes; returns the byte count to acknowledge once a batch is due. */
  processed(bytes: number): number | undefined {
    this.#unacknowledged += bytes;
    if (this.#unacknowledged < this.#every) return undefined;
    const due = this.#unacknowledged;
    this.#unacknowledged = 0;
    return due;
  }
}
