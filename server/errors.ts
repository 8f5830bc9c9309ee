/**
 * The server's one error type. Every error a client may see carries a stable
 * `code` (listed in `protocol/index.ts`), the HTTP status and WebSocket close
 * code it maps to, and whether its message may be shown to a client at all.
 * `toClientError` is the only place errors become client-visible: anything that
 * is not an exposed SandboxError becomes `internal` with a generic message, so
 * Docker's messages, paths and stack traces never leave the server.
 */
import {CLOSE_CODES, type ErrorCode} from '../protocol/index.js';

/** HTTP status of each code, so a throw site only names the code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  'bad-request': 400,
  'bad-path': 400,
  'too-many-files': 400,
  'too-large': 413,
  'unknown-env': 404,
  'unknown-block': 404,
  'not-editable': 400,
  'inline-disabled': 403,
  'origin-not-allowed': 403,
  unauthorized: 401,
  'rate-limited': 429,
  'too-many-sessions': 429,
  'at-capacity': 503,
  'docker-unavailable': 503,
  'image-missing': 503,
  'sandbox-lost': 500,
  'bad-message': 400,
  'message-rate': 429,
  'session-not-found': 404,
  'session-ended': 410,
  'environment-not-found': 404,
  'environment-unauthorized': 401,
  'environment-mismatch': 409,
  busy: 409,
  'view-only': 403,
  'owner-only': 403,
  'too-many-viewers': 429,
  'too-many-shares': 429,
  'share-not-found': 404,
  'not-found': 404,
  'node-unreachable': 503,
  internal: 500,
};

/** Close code a session's socket gets when this error ends it. */
function defaultCloseCode(code: ErrorCode): number {
  switch (code) {
    case 'bad-message':
    case 'message-rate':
    case 'unauthorized':
    case 'origin-not-allowed':
      return CLOSE_CODES.policy;
    case 'too-large':
      return CLOSE_CODES.tooBig;
    case 'session-not-found':
    case 'session-ended':
      return CLOSE_CODES.sessionEnded;
    default:
      return CLOSE_CODES.internal;
  }
}

export interface SandboxErrorOptions {
  httpStatus?: number;
  closeCode?: number;
  /** May the message be shown to clients? Default: true for 4xx, false for 5xx. */
  expose?: boolean;
  /** Seconds a client should wait before retrying (429/503). */
  retryAfter?: number;
  cause?: unknown;
}

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly closeCode: number;
  readonly expose: boolean;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: SandboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.code = code;
    this.httpStatus = options.httpStatus ?? HTTP_STATUS[code];
    this.closeCode = options.closeCode ?? defaultCloseCode(code);
    // Server-side failures (5xx) are described generically unless the throw
    // site says its message is written for readers (e.g. "at capacity").
    this.expose = options.expose ?? this.httpStatus < 500;
    this.retryAfter = options.retryAfter;
  }
}

export const isSandboxError = (error: unknown): error is SandboxError => error instanceof SandboxError;

/** Generic texts for codes whose real message stays in the server log. */
const GENERIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  'docker-unavailable': 'the sandbox engine is unavailable; try again later',
  'image-missing': 'the environment is not installed on this server',
  'sandbox-lost': 'the sandbox stopped unexpectedly',
  'at-capacity': 'the server is at capacity; try again shortly',
  internal: 'internal server error',
};

export interface ClientError {
  code: ErrorCode;
  message: string;
}

/** The one mapping from any thrown value to what a client may see. */
export function toClientError(error: unknown): ClientError {
  if (isSandboxError(error)) {
    return {
      code: error.code,
      message: error.expose ? error.message : (GENERIC_MESSAGES[error.code] ?? GENERIC_MESSAGES.internal!),
    };
  }
  return {code: 'internal', message: GENERIC_MESSAGES.internal!};
}

/** HTTP status for any thrown value (500 for anything unknown). */
export const httpStatusOf = (error: unknown): number => (isSandboxError(error) ? error.httpStatus : 500);

/** WebSocket close code for any thrown value (1011 for anything unknown). */
export const closeCodeOf = (error: unknown): number => (isSandboxError(error) ? error.closeCode : CLOSE_CODES.internal);
