/**
 * What a sandbox is doing, as a value, and how to say it. The theme turns the
 * descriptors into text with Docusaurus `translate()`; ids and English
 * messages come from the one list in `messages.ts`.
 */
import type {CaughtUpStep, ErrorCode, ExitReason} from '../protocol/index.js';
import {englishMessage, type MessageId} from './messages.js';
import {formatRecordedDate} from './recorded.js';
import {formatSteps} from './steps.js';

/**
 * Errors the client itself detects, beside the server's codes. `unreachable`:
 * no answer (offline, a CORS refusal) or a proxy's 502–504; `no-backend`: an
 * answer that is not the sandbox API's (a static host serves the site alone).
 */
export type ClientErrorCode = 'unreachable' | 'no-backend' | 'bad-response' | 'connection-failed' | 'load-failed' | 'no-recording';

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
   * not be reached or is not there (`unreachable`), or the site shows recordings only.
   */
  | {state: 'recorded'; recordedAt: string; why: 'unreachable' | 'recorded-only'; playing: boolean}
  | {state: 'error'; code: ErrorCode | ClientErrorCode; detail?: string};

export interface MessageDescriptor {
  id: MessageId;
  /** The English text, with `{name}` placeholders filled from `values`. */
  message: string;
  values?: Record<string, string | number>;
}

function describe(id: MessageId, values?: Record<string, string | number>): MessageDescriptor {
  return values === undefined ? {id, message: englishMessage(id)} : {id, message: englishMessage(id), values};
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
      return describe('theme.Sandbox.error.tooManySessions');
    case 'at-capacity':
      return describe('theme.Sandbox.error.atCapacity');
    case 'rate-limited':
      return describe('theme.Sandbox.error.rateLimited');
    case 'unreachable':
      return describe('theme.Sandbox.error.unreachable');
    case 'no-backend':
      return describe('theme.Sandbox.error.noBackend');
    case 'connection-failed':
      return describe('theme.Sandbox.error.connectionFailed');
    case 'load-failed':
      return describe('theme.Sandbox.error.loadFailed');
    case 'no-recording':
      return describe('theme.Sandbox.error.noRecording');
    case 'docker-unavailable':
    case 'image-missing':
      return describe('theme.Sandbox.error.unavailable');
    case 'origin-not-allowed':
      return describe('theme.Sandbox.error.originNotAllowed');
    case 'unauthorized':
      return describe('theme.Sandbox.error.unauthorized');
    case 'unknown-block':
      return describe('theme.Sandbox.error.unknownBlock');
    case 'too-large':
    case 'too-many-files':
    case 'bad-path':
      return describe('theme.Sandbox.error.editsRefused');
    case 'not-editable':
      return describe('theme.Sandbox.error.notEditable');
    case 'environment-not-found':
      return describe('theme.Sandbox.error.environmentNotFound');
    case 'environment-unauthorized':
      return describe('theme.Sandbox.error.environmentUnauthorized');
    case 'environment-mismatch':
      return describe('theme.Sandbox.error.environmentMismatch');
    case 'busy':
      return describe('theme.Sandbox.error.busy');
    case 'session-not-found':
    case 'session-ended':
    case 'sandbox-lost':
      return describe('theme.Sandbox.error.sessionLost');
    default:
      return describe('theme.Sandbox.error.generic');
  }
}

/**
 * The status line for a status. `locale` is the page's language (a BCP 47 tag,
 * e.g. Docusaurus's current locale): the date of a recording is written in it,
 * as the translated sentence around it is; without it, in the browser's.
 */
export function describeStatus(status: SandboxStatus, locale?: string): MessageDescriptor {
  switch (status.state) {
    case 'idle':
      return describe('theme.Sandbox.status.idle');
    case 'loading':
      return describe('theme.Sandbox.status.loading');
    case 'connecting':
      return describe('theme.Sandbox.status.connecting');
    case 'running':
      return describe('theme.Sandbox.status.running');
    case 'stopping':
      return describe('theme.Sandbox.status.stopping');
    case 'reconnecting':
      if (status.inputRefused) {
        return describe('theme.Sandbox.status.reconnectingInputRefused', {seconds: Math.ceil(status.delayMs / 1000), attempt: status.attempt});
      }
      return describe('theme.Sandbox.status.reconnecting', {seconds: Math.ceil(status.delayMs / 1000), attempt: status.attempt});
    case 'exited':
      return describeExit(status.code, status.reason, status.durationMs);
    case 'stopped':
      return describe('theme.Sandbox.status.stopped', {duration: formatDuration(status.durationMs)});
    case 'lost':
      return describe('theme.Sandbox.status.lost');
    case 'recorded':
      return status.why === 'unreachable'
        ? describe('theme.Sandbox.status.recorded', {date: formatRecordedDate(status.recordedAt, locale)})
        : describe('theme.Sandbox.status.recordedOnly', {date: formatRecordedDate(status.recordedAt, locale)});
    case 'expired':
      return describe('theme.Sandbox.status.expired');
    case 'error':
      return describeError(status.code);
  }
}

function describeExit(code: number, reason: ExitReason, durationMs: number): MessageDescriptor {
  const values = {code, duration: formatDuration(durationMs)};
  switch (reason) {
    case 'timeout':
      return describe('theme.Sandbox.exit.timeout', values);
    case 'idle':
      return describe('theme.Sandbox.exit.idle', values);
    case 'oom':
      return describe('theme.Sandbox.exit.oom', values);
    case 'output-limit':
      return describe('theme.Sandbox.exit.outputLimit', values);
    case 'killed':
      return describe('theme.Sandbox.exit.killed', values);
    case 'error':
      return describe('theme.Sandbox.exit.error', values);
    case 'exit':
      return describe('theme.Sandbox.exit.code', values);
  }
}

/**
 * The note after a catch-up: which earlier steps ran first, then each that
 * failed (its exit code) or could not run (code -1). None for an empty list.
 */
export function describeCatchUp(steps: readonly CaughtUpStep[]): MessageDescriptor[] {
  if (steps.length === 0) return [];
  const numbers = steps.map((step) => step.step);
  const ran = formatSteps(numbers);
  const notes = [describe(new Set(numbers).size === 1 ? 'theme.Sandbox.step.caughtUpOne' : 'theme.Sandbox.step.caughtUp', {steps: ran})];
  for (const {step, code} of [...steps].sort((a, b) => a.step - b.step)) {
    if (code === -1) notes.push(describe('theme.Sandbox.step.caughtUpNotRun', {step}));
    else if (code !== 0) notes.push(describe('theme.Sandbox.step.caughtUpFailed', {step, code}));
  }
  return notes;
}

/** States in which a session is alive (Stop makes sense, Run means restart). */
export const isLive = (status: SandboxStatus): boolean =>
  status.state === 'connecting' || status.state === 'running' || status.state === 'stopping' || status.state === 'reconnecting';

/** Every descriptor id the client can produce (for the shipped translations and their test). */
export const STATUS_MESSAGE_IDS: readonly MessageId[] = [
  'theme.Sandbox.status.idle',
  'theme.Sandbox.status.loading',
  'theme.Sandbox.status.connecting',
  'theme.Sandbox.status.running',
  'theme.Sandbox.status.stopping',
  'theme.Sandbox.status.reconnecting',
  'theme.Sandbox.status.stopped',
  'theme.Sandbox.status.lost',
  'theme.Sandbox.status.expired',
  'theme.Sandbox.status.recorded',
  'theme.Sandbox.status.recordedOnly',
  'theme.Sandbox.error.noRecording',
  'theme.Sandbox.status.reconnectingInputRefused',
  'theme.Sandbox.exit.timeout',
  'theme.Sandbox.exit.idle',
  'theme.Sandbox.exit.oom',
  'theme.Sandbox.exit.outputLimit',
  'theme.Sandbox.exit.killed',
  'theme.Sandbox.exit.error',
  'theme.Sandbox.exit.code',
  'theme.Sandbox.error.tooManySessions',
  'theme.Sandbox.error.atCapacity',
  'theme.Sandbox.error.rateLimited',
  'theme.Sandbox.error.unreachable',
  'theme.Sandbox.error.noBackend',
  'theme.Sandbox.error.connectionFailed',
  'theme.Sandbox.error.loadFailed',
  'theme.Sandbox.error.unavailable',
  'theme.Sandbox.error.originNotAllowed',
  'theme.Sandbox.error.unauthorized',
  'theme.Sandbox.error.unknownBlock',
  'theme.Sandbox.error.editsRefused',
  'theme.Sandbox.error.notEditable',
  'theme.Sandbox.error.sessionLost',
  'theme.Sandbox.error.environmentNotFound',
  'theme.Sandbox.error.environmentUnauthorized',
  'theme.Sandbox.error.environmentMismatch',
  'theme.Sandbox.error.busy',
  'theme.Sandbox.error.generic',
  'theme.Sandbox.step.caughtUp',
  'theme.Sandbox.step.caughtUpOne',
  'theme.Sandbox.step.caughtUpFailed',
  'theme.Sandbox.step.caughtUpNotRun',
];
