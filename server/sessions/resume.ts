/**
 * Resuming a session after a dropped socket: the credential a socket comes
 * back with, and the replay of the output it missed.
 *
 * Every attach issues a fresh credential and the previous one stops working,
 * so a credential that leaked from an old connection cannot take the session
 * over. A socket that comes back says which output offset it has received and
 * gets the bytes after it from the replay ring (`replay` message first).
 */
import {randomBytes, timingSafeEqual} from 'node:crypto';
import {encodeMessage} from '../../protocol/index.js';

export interface ResumeDetails {
  /** The offset the client asked from. */
  offset: number;
  /** The offset the replay starts at (older than `offset` when truncated). */
  from: number;
  truncated: boolean;
  replayedBytes: number;
}

/** 24 random bytes: as strong as the session token, short on the wire. */
const CREDENTIAL_BYTES = 24;

export class ResumeCredential {
  /**
   * Kept as a string: a Buffer of it would be a slice of Node's shared 8 KiB
   * allocation pool, and sessions created at different times pin different
   * pool slabs (~0.5 KB per session measured).
   */
  #current: string | undefined;

  /** A new credential; the previous one stops working. */
  issue(): string {
    this.#current = randomBytes(CREDENTIAL_BYTES).toString('base64url');
    return this.#current;
  }

  /** Whether `token` is the current credential (constant-time compare). */
  accepts(token: string): boolean {
    const expected = this.#current;
    if (!expected) return false;
    const given = Buffer.from(token);
    const wanted = Buffer.from(expected);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  /** Nothing can be resumed any more. */
  revoke(): void {
    this.#current = undefined;
  }
}

/** Where missed output comes from (OutputPump's replay ring). */
export interface ReplaySource {
  replayFrom(offset: number): {from: number; truncated: boolean; data: Buffer[]};
}

/** The part of a socket a replay needs. */
export interface ReplayTarget {
  send(data: string): void;
}

/**
 * Sends the `replay` message for a client that has everything before
 * `offset`; returns what to send before live output, and the details to log.
 */
export function replayMissed(source: ReplaySource, target: ReplayTarget, offset: number): {data: Buffer[]; details: ResumeDetails} {
  const replay = source.replayFrom(offset);
  target.send(encodeMessage({type: 'replay', from: replay.from, truncated: replay.truncated}));
  const replayedBytes = replay.data.reduce((sum, chunk) => sum + chunk.length, 0);
  return {data: replay.data, details: {offset, from: replay.from, truncated: replay.truncated, replayedBytes}};
}
