/**
 * A session as its shares see it (the `ShareHost` of `shares.ts`), and the
 * session's side of its audience: what the session tells its viewers (every
 * forwarded chunk, resizes, the owner's return, its end). Apart from
 * `session.ts`, whose state machine is about the owner's run; the session
 * hands this its seams and keeps calling it whether or not anyone watches.
 */
import type {ServerMessage} from '../../protocol/index.js';
import type {InputSource} from './input.js';
import type {FinalWords} from './outcome.js';
import type {SessionAudience} from './session-types.js';
import type {ShareHost} from './shares.js';

/** What the session lends its shares. */
export interface ShareSideSeams {
  readonly id: string;
  readonly block: string | undefined;
  /** The terminal's size at the start: the owner's. */
  readonly size: {cols: number; rows: number};
  state(): ShareHost['state'];
  /** Whether the program still runs: a viewer's keys reach it only then. */
  live(): boolean;
  recentOutput(): Buffer[];
  sendToOwner(message: ServerMessage): void;
  /** Keystrokes to the program, as the owner's are (they count as activity). */
  write(data: Buffer, source: InputSource): void;
  interrupt(): void;
}

export class ShareSide implements ShareHost {
  readonly id: string;
  readonly block: string | undefined;
  readonly #seams: ShareSideSeams;
  #size: {cols: number; rows: number};
  /** The viewers of its shares, once it has any. */
  #audience: SessionAudience | undefined;

  constructor(seams: ShareSideSeams) {
    this.#seams = seams;
    this.id = seams.id;
    this.block = seams.block;
    this.#size = seams.size;
  }

  /** The terminal's size: the owner's (viewers get `resize` notices). */
  get size(): {cols: number; rows: number} {
    return this.#size;
  }

  get state(): ShareHost['state'] {
    return this.#seams.state();
  }

  /** The output still kept (the replay ring), for a share's screen mirror. */
  recentOutput(): Buffer[] {
    return this.#seams.recentOutput();
  }

  /** A control message to the owner's socket, if one is open. */
  sendToOwner(message: ServerMessage): void {
    this.#seams.sendToOwner(message);
  }

  /** A control viewer's keystrokes: to the program like the owner's, while it lives. */
  inputFromViewer(data: Buffer, source: InputSource): void {
    if (this.#seams.live()) this.#seams.write(data, source);
  }

  /** A control viewer's Ctrl-C. */
  interruptFromViewer(): void {
    if (this.#seams.live()) this.#seams.interrupt();
  }

  /** Who follows the session besides the owner (a share's viewers); undefined: nobody. */
  setAudience(audience: SessionAudience | undefined): void {
    this.#audience = audience;
  }

  // The session's side: what it tells whoever watches.

  /** Whether `source` (a paused input source) is one of its viewers. */
  holds(source: unknown): boolean {
    return this.#audience?.holds(source) === true;
  }

  output(chunk: Buffer): void {
    this.#audience?.output(chunk);
  }

  resized(cols: number, rows: number): void {
    this.#size = {cols, rows};
    this.#audience?.resized(cols, rows);
  }

  ownerAttached(): void {
    this.#audience?.ownerAttached();
  }

  /** The session ended: its last words for every viewer. Idempotent on the audience's side. */
  close(words: FinalWords): void {
    this.#audience?.close(words);
  }
}
