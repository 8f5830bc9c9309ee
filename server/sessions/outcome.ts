/**
 * How a session's end is told to its socket: the last messages and the close
 * code, for an exit, a failure, or an expiry. Pure, so the rules (OOM with
 * exit code 0 reads as 137; internal errors masked) are tested on their own.
 */
import {CLOSE_CODES, encodeMessage, type ExitReason, type ServerMessage} from '../../protocol/index.js';
import {closeCodeOf, toClientError} from '../errors.js';
import type {LogLevel} from '../log.js';
import type {ContainerExit} from '../runtime/types.js';

/** The last messages of an ended session and how its socket is closed. */
export interface FinalWords {
  messages: ServerMessage[];
  code: number;
  reason: string;
}

/** What a late resume of an expired session is told. */
export const EXPIRED_WORDS: FinalWords = {
  messages: [{type: 'error', code: 'session-ended', message: 'the session expired: the connection stayed away longer than the reconnect grace'}],
  code: CLOSE_CODES.sessionEnded,
  reason: 'session expired',
};

/** What a share's viewers are told when the server shuts down (the owner's socket closes with the same code). */
export const SHUTDOWN_WORDS: FinalWords = {messages: [], code: CLOSE_CODES.goingAway, reason: 'server shutting down'};

/**
 * The `exit` message for the container's `exit`; `endReason` is set when we
 * (or the client) ended it. A child killed by OOM leaves exit code 0: with
 * nothing else to blame, the reader is told 137 and `oom`.
 */
export function exitWords(exit: ContainerExit, endReason: ExitReason | undefined): FinalWords {
  const reason: ExitReason = endReason ?? (exit.oomKilled ? 'oom' : 'exit');
  const code = exit.oomKilled && endReason === undefined && exit.code === 0 ? 137 : exit.code;
  return {messages: [{type: 'exit', code, reason}], code: CLOSE_CODES.normal, reason};
}

/** An `error` message with a stable code (internals masked), and how loudly to log it. */
export function failureWords(error: unknown): {words: FinalWords; level: LogLevel} {
  const clientError = toClientError(error);
  return {
    words: {messages: [{type: 'error', ...clientError}], code: closeCodeOf(error), reason: clientError.code},
    level: clientError.code === 'internal' ? 'error' : 'warn',
  };
}

/** The part of a socket the last words need. */
export interface FinalTarget {
  send(data: string): void;
  close(code: number, reason: string): void;
}

export function deliver(target: FinalTarget, words: FinalWords): void {
  for (const message of words.messages) target.send(encodeMessage(message));
  target.close(words.code, words.reason);
}
