/**
 * What to do when a session's socket closes: pure, so the rules are tested
 * without a socket. The server says how a session ended with an `exit` or
 * `error` message before closing; a close without either is unexpected.
 */
import {CLOSE_CODES, type ErrorCode} from '../protocol/index.js';

export interface CloseFacts {
  /** WebSocket close code. */
  code: number;
  /** An `exit` message arrived on this session. */
  exited: boolean;
  /** The last `error` message's code, if any arrived on this socket. */
  error?: ErrorCode;
  /** The socket reached `open` at least once in this session. */
  everOpened: boolean;
  /** This socket was a resume (opened with the server's resume credential). */
  resuming?: boolean;
  /** Reconnect attempts already made since the last successful open. */
  attempts: number;
  maxAttempts: number;
}

export type CloseDecision =
  | {action: 'done'}
  | {action: 'reconnect'}
  | {action: 'lost'}
  /** The server kept the session for its reconnect grace, and that ran out. */
  | {action: 'expired'}
  | {action: 'error'; code: ErrorCode | 'connection-failed'};

const GONE: ReadonlySet<ErrorCode> = new Set(['session-not-found', 'session-ended', 'sandbox-lost']);

export function decideOnClose(facts: CloseFacts): CloseDecision {
  if (facts.exited) return {action: 'done'};
  if (facts.error === 'session-ended' && facts.resuming) return {action: 'expired'};
  if (facts.error) {
    // A session the server no longer has cannot be resumed: say so plainly.
    if (GONE.has(facts.error)) return facts.everOpened ? {action: 'lost'} : {action: 'error', code: facts.error};
    return {action: 'error', code: facts.error};
  }
  if (facts.code === CLOSE_CODES.sessionEnded) return facts.everOpened ? {action: 'lost'} : {action: 'error', code: 'session-ended'};
  // Another tab or socket took the session over: reconnecting would steal it back.
  if (facts.code === CLOSE_CODES.replaced) return {action: 'lost'};
  if (facts.code === CLOSE_CODES.policy || facts.code === CLOSE_CODES.tooBig) return {action: 'error', code: 'bad-message'};
  if (facts.attempts >= facts.maxAttempts) return facts.everOpened ? {action: 'lost'} : {action: 'error', code: 'connection-failed'};
  // 1006 (dropped), 1001 (server restarting), 1011 without a message: try again.
  return {action: 'reconnect'};
}
