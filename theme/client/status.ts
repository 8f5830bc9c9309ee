/**
 * What a sandbox is doing, as a value, and how to say it. The theme turns the
 * descriptors into text with Docusaurus `translate()`; the ids and default
 * messages here are the `sandbox.*` code translations the theme ships.
 */
import type {ErrorCode, ExitReason} from '../../protocol/index.js';
import {formatRecordedDate} from './recorded.js';

/** Errors the client itself detects, beside the server's codes. */
export type ClientErrorCode = 'unreachable' | 'bad-response' | 'connection-failed' | 'load-failed' | 'no-recording';

export type SandboxStatus =
  | {state: 'idle'}
  | {state: 'loading'}
  | {state: 'connecting'}
  | {state: 'running'}
  | {state: 'stopping'}
  /** `inputRefused`: the reader typed more than the client holds while disconnected. */
  | {state: 'reconnecting'; attempt: number; delayMs: number; inputRefused?: boolean}
  | {state: 'exited'; code: number; reason: ExitReason; durationMs: number}
  | {state: 'stopped'; durationMs: number}
  | {state: 'lost'}
  /** The connection stayed away longer than the server's reconnect grace. */
  | {state: 'expired'}
  /**
   * A recorded run plays (or played) instead of a live one: the backend could
   * not be reached, or the site shows recordings only (issue 8).
   */
  | {state: 'recorded'; recordedAt: string; why: 'unreachable' | 'recorded-only'; playing: boolean}
  | {state: 'error'; code: ErrorCode | ClientErrorCode; detail?: string};

export interface MessageDescriptor {
  id: string;
  message: string;
  values?: Record<string, string | number>;
}

/** "1.2 s", "45 ms", "2 min 5 s": short and readable. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** The human error for a code: what happened and what the reader can do. */
export function describeError(code: ErrorCode | ClientErrorCode): MessageDescriptor {
  switch (code) {
    case 'too-many-sessions':
      return {
        id: 'sandbox.error.tooManySessions',
        message: 'You already have as many sandboxes running as the server allows. Stop your other sandboxes to run this one.',
      };
    case 'at-capacity':
      return {
        id: 'sandbox.error.atCapacity',
        message: 'Too many sandboxes are running right now; try again in a minute.',
      };
    case 'rate-limited':
      return {id: 'sandbox.error.rateLimited', message: 'You started sandboxes very quickly; wait a minute, then run again.'};
    case 'unreachable':
      return {
        id: 'sandbox.error.unreachable',
        message: 'Could not reach the sandbox server. Check your connection or try again later; the code above stays readable.',
      };
    case 'connection-failed':
      return {id: 'sandbox.error.connectionFailed', message: 'The terminal connection failed. Run again to retry.'};
    case 'load-failed':
      return {id: 'sandbox.error.loadFailed', message: 'The terminal could not be loaded. Reload the page and try again.'};
    case 'no-recording':
      return {id: 'sandbox.error.noRecording', message: 'This site shows recorded runs only, and this example has no recording yet.'};
    case 'docker-unavailable':
    case 'image-missing':
      return {
        id: 'sandbox.error.unavailable',
        message: 'The sandbox service is not available at the moment; try again later.',
      };
    case 'origin-not-allowed':
      return {
        id: 'sandbox.error.originNotAllowed',
        message: 'This site is not allowed to use the sandbox server. The site owner must add it to the allowed origins.',
      };
    case 'unauthorized':
      return {id: 'sandbox.error.unauthorized', message: 'The sandbox server refused the session. Reload the page and run again.'};
    case 'unknown-block':
      return {
        id: 'sandbox.error.unknownBlock',
        message: 'The server does not know this example; the page may be newer than the server. Reload the page.',
      };
    case 'too-large':
    case 'too-many-files':
    case 'bad-path':
      return {id: 'sandbox.error.editsRefused', message: 'The server refused your edits (too large or a bad file name). Reset and try again.'};
    case 'not-editable':
      return {id: 'sandbox.error.notEditable', message: 'This example cannot be edited. Reset it and run again.'};
    case 'session-not-found':
    case 'session-ended':
    case 'sandbox-lost':
      return {id: 'sandbox.error.sessionLost', message: 'The sandbox was lost. Run again to start a new one.'};
    default:
      return {id: 'sandbox.error.generic', message: 'Something went wrong on the sandbox server. Run again in a moment.'};
  }
}

/** The status line for a status. */
export function describeStatus(status: SandboxStatus): MessageDescriptor {
  switch (status.state) {
    case 'idle':
      return {id: 'sandbox.status.idle', message: 'Click Run to start this example in a sandbox.'};
    case 'loading':
      return {id: 'sandbox.status.loading', message: 'Loading the terminal…'};
    case 'connecting':
      return {id: 'sandbox.status.connecting', message: 'Starting a sandbox…'};
    case 'running':
      return {id: 'sandbox.status.running', message: 'Running'};
    case 'stopping':
      return {id: 'sandbox.status.stopping', message: 'Stopping…'};
    case 'reconnecting':
      if (status.inputRefused) {
        return {
          id: 'sandbox.status.reconnectingInputRefused',
          message: 'Connection lost; reconnecting in {seconds} s (attempt {attempt})… Typing is not sent until the connection is back.',
          values: {seconds: Math.ceil(status.delayMs / 1000), attempt: status.attempt},
        };
      }
      return {
        id: 'sandbox.status.reconnecting',
        message: 'Connection lost; reconnecting in {seconds} s (attempt {attempt})…',
        values: {seconds: Math.ceil(status.delayMs / 1000), attempt: status.attempt},
      };
    case 'exited':
      return describeExit(status.code, status.reason, status.durationMs);
    case 'stopped':
      return {id: 'sandbox.status.stopped', message: 'Stopped after {duration}', values: {duration: formatDuration(status.durationMs)}};
    case 'lost':
      return {id: 'sandbox.status.lost', message: 'The connection was lost and the sandbox could not be resumed. Run again to start over.'};
    case 'recorded':
      return status.why === 'unreachable'
        ? {
            id: 'sandbox.status.recorded',
            message: 'Recorded on {date}: the sandbox server could not be reached, so this is a recording of an earlier run.',
            values: {date: formatRecordedDate(status.recordedAt)},
          }
        : {
            id: 'sandbox.status.recordedOnly',
            message: 'Recorded on {date}: this site shows recordings of earlier runs.',
            values: {date: formatRecordedDate(status.recordedAt)},
          };
    case 'expired':
      return {
        id: 'sandbox.status.expired',
        message: 'Session expired: the connection was down too long and the sandbox has ended. Run again to start over.',
      };
    case 'error':
      return describeError(status.code);
  }
}

function describeExit(code: number, reason: ExitReason, durationMs: number): MessageDescriptor {
  const values = {code, duration: formatDuration(durationMs)};
  switch (reason) {
    case 'timeout':
      return {id: 'sandbox.exit.timeout', message: 'Stopped: the time limit was reached after {duration}', values};
    case 'idle':
      return {id: 'sandbox.exit.idle', message: 'Stopped after {duration} without input', values};
    case 'oom':
      return {id: 'sandbox.exit.oom', message: 'Stopped: the program ran out of memory after {duration}', values};
    case 'output-limit':
      return {id: 'sandbox.exit.outputLimit', message: 'Stopped: the program printed more than the output limit', values};
    case 'killed':
      return {id: 'sandbox.exit.killed', message: 'Killed after {duration} (code {code})', values};
    case 'error':
      return {id: 'sandbox.exit.error', message: 'The sandbox failed after {duration}; run again', values};
    case 'exit':
      return {id: 'sandbox.exit.code', message: 'exited with code {code} in {duration}', values};
  }
}

/** States in which a session is alive (Stop makes sense, Run means restart). */
export const isLive = (status: SandboxStatus): boolean =>
  status.state === 'connecting' || status.state === 'running' || status.state === 'stopping' || status.state === 'reconnecting';

/** Every descriptor id the client can produce (for the shipped translations and their test). */
export const STATUS_MESSAGE_IDS: readonly string[] = [
  'sandbox.status.idle',
  'sandbox.status.loading',
  'sandbox.status.connecting',
  'sandbox.status.running',
  'sandbox.status.stopping',
  'sandbox.status.reconnecting',
  'sandbox.status.stopped',
  'sandbox.status.lost',
  'sandbox.status.expired',
  'sandbox.status.recorded',
  'sandbox.status.recordedOnly',
  'sandbox.error.noRecording',
  'sandbox.status.reconnectingInputRefused',
  'sandbox.exit.timeout',
  'sandbox.exit.idle',
  'sandbox.exit.oom',
  'sandbox.exit.outputLimit',
  'sandbox.exit.killed',
  'sandbox.exit.error',
  'sandbox.exit.code',
  'sandbox.error.tooManySessions',
  'sandbox.error.atCapacity',
  'sandbox.error.rateLimited',
  'sandbox.error.unreachable',
  'sandbox.error.connectionFailed',
  'sandbox.error.loadFailed',
  'sandbox.error.unavailable',
  'sandbox.error.originNotAllowed',
  'sandbox.error.unauthorized',
  'sandbox.error.unknownBlock',
  'sandbox.error.editsRefused',
  'sandbox.error.notEditable',
  'sandbox.error.sessionLost',
  'sandbox.error.generic',
];
