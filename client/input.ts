/**
 * Terminal input on its way to the socket: text and binary strings as bytes,
 * and the keystrokes a reader types while the connection is down, held (up to
 * MAX_HELD_INPUT bytes) to be sent in order after the resume. Beyond the bound
 * input is refused rather than queued without limit, and the status says so.
 */

/** Keystrokes held while reconnecting; beyond this they are refused (and the status says so). */
export const MAX_HELD_INPUT = 4 * 1024;

const encoder = new TextEncoder();

/** Text (keystrokes, paste) as the UTF-8 bytes the program reads; bytes pass as they are. */
export function inputBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** A binary string (one char per byte) as those bytes; a char above 0xff keeps its low byte. */
export function binaryStringToBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let index = 0; index < data.length; index += 1) bytes[index] = data.charCodeAt(index) & 0xff;
  return bytes;
}

/** `first-refusal`: refused, and the first refusal since the input was last sent (time to tell the reader). */
export type HoldResult = 'held' | 'first-refusal' | 'refused';

export class HeldInput {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #refused = false;

  constructor(limit: number = MAX_HELD_INPUT) {
    this.#limit = limit;
  }

  /** Input was refused since the held input was last taken. */
  get refused(): boolean {
    return this.#refused;
  }

  hold(bytes: Uint8Array): HoldResult {
    if (this.#bytes + bytes.byteLength > this.#limit) {
      if (this.#refused) return 'refused';
      this.#refused = true;
      return 'first-refusal';
    }
    this.#chunks.push(bytes);
    this.#bytes += bytes.byteLength;
    return 'held';
  }

  /** The held input in the order it was typed; empties the hold and forgets a refusal. */
  take(): Uint8Array[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    this.#refused = false;
    return chunks;
  }
}
