/**
 * Wire protocol v1 between a sandbox client (the theme, a CLI, any other
 * client) and the server. Imports nothing: it is bundled into the browser.
 *
 * - Binary frames carry raw terminal bytes in both directions.
 * - Text frames carry one JSON control message each.
 * - The WebSocket subprotocol is `sandbox.v1`; the session token travels as a
 *   second offered subprotocol `sandbox.token.<token>` (or `?token=`).
 */

export const SUBPROTOCOL = 'sandbox.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'sandbox.token.';

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGKILL'] as const;
export type SignalName = (typeof SIGNALS)[number];

export const EXIT_REASONS = ['exit', 'timeout', 'idle', 'oom', 'output-limit', 'killed', 'error'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** Terminal size bounds; resize requests are clamped into them. */
export const TERMINAL_BOUNDS = {minCols: 10, maxCols: 500, minRows: 2, maxRows: 200} as const;

export type ClientMessage =
  | {type: 'resize'; cols: number; rows: number}
  | {type: 'signal'; signal: SignalName}
  /** Flow control: the client has processed `bytes` more bytes of output. */
  | {type: 'ack'; bytes: number};

export type ServerMessage =
  | {type: 'status'; state: 'starting' | 'running'}
  | {type: 'exit'; code: number; reason: ExitReason}
  | {type: 'error'; code: ErrorCode; message: string};

/** Stable error codes, in HTTP bodies and in `error` messages. */
export const ERROR_CODES = [
  'bad-request',
  'bad-path',
  'too-many-files',
  'too-large',
  'unknown-env',
  'unknown-block',
  'not-editable',
  'inline-disabled',
  'origin-not-allowed',
  'unauthorized',
  'rate-limited',
  'too-many-sessions',
  'at-capacity',
  'docker-unavailable',
  'image-missing',
  'sandbox-lost',
  'bad-message',
  'message-rate',
  'session-not-found',
  'session-ended',
  'not-found',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The JSON body of every HTTP error response. */
export interface ErrorBody {
  error: {code: ErrorCode; message: string};
}

/** POST /api/sessions */
export interface CreateSessionRequest {
  block?: string;
  env?: string;
  cmd?: string;
  files?: Array<{path: string; content: string}>;
  cols?: number;
  rows?: number;
}
export interface CreateSessionResponse {
  id: string;
  token: string;
  ws: string;
}

/** WebSocket close codes the server uses, with their meaning. */
export const CLOSE_CODES = {
  /** The program ended; an `exit` message came first. */
  normal: 1000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** Policy: message rate exceeded, token problems after upgrade. */
  policy: 1008,
  /** A message over the size limit. */
  tooBig: 1009,
  /** An internal error; an `error` message came first where possible. */
  internal: 1011,
  /** Another socket took this session over. */
  replaced: 4001,
  /** The session no longer exists (ended, expired). */
  sessionEnded: 4004,
} as const;

export class ProtocolError extends Error {
  readonly code = 'bad-message';
  override readonly name = 'ProtocolError';
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a client control message. Throws ProtocolError for anything that is
 * not exactly one of the known messages; resize values are clamped, not refused.
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('control message is not valid JSON');
  }
  if (!isPlainObject(value)) throw new ProtocolError('control message must be a JSON object');
  // Only own, known keys are read, so `__proto__` and friends never reach an object we use.
  const type = Object.hasOwn(value, 'type') ? value.type : undefined;
  switch (type) {
    case 'resize': {
      const {cols, rows} = value;
      if (typeof cols !== 'number' || typeof rows !== 'number' || !Number.isFinite(cols) || !Number.isFinite(rows)) {
        throw new ProtocolError('resize needs numeric cols and rows');
      }
      return {
        type: 'resize',
        cols: clamp(cols, TERMINAL_BOUNDS.minCols, TERMINAL_BOUNDS.maxCols),
        rows: clamp(rows, TERMINAL_BOUNDS.minRows, TERMINAL_BOUNDS.maxRows),
      };
    }
    case 'signal': {
      const signal = value.signal;
      if (typeof signal !== 'string' || !(SIGNALS as readonly string[]).includes(signal)) {
        throw new ProtocolError(`signal must be one of ${SIGNALS.join(', ')}`);
      }
      return {type: 'signal', signal: signal as SignalName};
    }
    case 'ack': {
      const bytes = value.bytes;
      if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
        throw new ProtocolError('ack needs a non-negative integer bytes');
      }
      return {type: 'ack', bytes};
    }
    default:
      throw new ProtocolError(`unknown control message type ${JSON.stringify(String(type)).slice(0, 40)}`);
  }
}

/** Parses a server control message (for clients). Returns undefined for unknown types. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  switch (value.type) {
    case 'status':
    case 'exit':
    case 'error':
      return value as ServerMessage;
    default:
      return undefined;
  }
}

export const encodeMessage = (message: ClientMessage | ServerMessage): string => JSON.stringify(message);

/** Subprotocol list a client offers: the protocol, then the token. */
export const clientSubprotocols = (token: string): string[] => [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token];

/** Path of a session's WebSocket. */
export const sessionSocketPath = (id: string): string => `/api/sessions/${encodeURIComponent(id)}/ws`;
