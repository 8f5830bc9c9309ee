/**
 * What a reconnect offers so the server can resume the session where the
 * reader's screen is: the count of output bytes received (the offset) and the
 * server's latest `resume-token`. Both travel as subprotocols, never in the
 * URL, so no credential lands in a proxy's access log. The server's `replay`
 * message says where the bytes that follow start.
 */
import {clientSubprotocols, OFFSET_SUBPROTOCOL_PREFIX, resumeSubprotocols} from '../protocol/index.js';

export interface ConnectFacts {
  /** The token the session was created with. */
  sessionToken: string;
  /** The server's latest resume credential, once it sent one. */
  resumeToken?: string;
  /** A socket of this session opened before: this is a reconnect. */
  everOpened: boolean;
  /** Output bytes received so far. */
  received: number;
}

/** The subprotocols a socket is opened with. */
export function connectSubprotocols(facts: ConnectFacts): string[] {
  // An empty credential is none: the server cannot have issued it.
  if (facts.resumeToken) return resumeSubprotocols(facts.resumeToken, facts.received);
  // A reconnect before the server sent a credential still says how much output it already has.
  if (facts.everOpened) return [...clientSubprotocols(facts.sessionToken), OFFSET_SUBPROTOCOL_PREFIX + String(facts.received)];
  return clientSubprotocols(facts.sessionToken);
}

/** The offset and credential of one session, kept across its sockets. */
export class ResumeState {
  #received = 0;
  #token: string | undefined;
  #resuming = false;

  /** Output bytes received so far: the offset a resume asks from. */
  get received(): number {
    return this.#received;
  }

  /** The current socket was opened with the resume credential. */
  get resuming(): boolean {
    return this.#resuming;
  }

  countOutput(bytes: number): void {
    this.#received += bytes;
  }

  /** The latest credential the server sent: also what authorises the owner's share calls. */
  get credential(): string | undefined {
    return this.#token;
  }

  /** The server replaces the credential on every attach; only the latest works. */
  acceptToken(token: string): void {
    this.#token = token;
  }

  /** The output that follows starts at `from` (less than received when part was lost). */
  replayFrom(from: number): void {
    this.#received = from;
  }

  /** The subprotocols for the next socket; remembers whether it is a resume. */
  nextSubprotocols(sessionToken: string, everOpened: boolean): string[] {
    this.#resuming = this.#token !== undefined;
    return connectSubprotocols({sessionToken, resumeToken: this.#token, everOpened, received: this.#received});
  }
}
