/**
 * Wire protocol v1 between a sandbox client (the theme, a CLI, any other
 * client) and the server. Imports nothing: it is bundled into the browser.
 *
 * - Binary frames carry raw terminal bytes in both directions.
 * - Text frames carry one JSON control message each.
 * - The WebSocket subprotocol is `sandbox.v1`; the session token travels as a
 *   second offered subprotocol `sandbox.token.<token>` (or `?token=`).
 * - Resume: after every attach the server sends `resume-token`; a
 *   client whose socket dropped reconnects offering `sandbox.resume.<token>`
 *   and `sandbox.offset.<N>` (N = output bytes it received so far). The server
 *   answers with `replay` and the missing bytes before live output. Credentials
 *   never travel in a URL.
 * - Shares: a viewer's socket offers `sandbox.share.<token>` (a share token
 *   from POST /api/sessions/<id>/shares) instead of the session token. It gets
 *   `snapshot` and the current screen, then live output, `resize` notices and
 *   `presence`; it never resumes by offset (a reconnect gets a fresh screen).
 * - Flow control: a client that sends `hello` with `acks: true`
 *   promises to `ack` processed output; the server then never has more than
 *   FLOW_WINDOW_BYTES unacknowledged. Clients that never say hello get no window.
 */

export const SUBPROTOCOL = 'sandbox.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'sandbox.token.';
/** Resume credential offered on reconnect (never in a URL). */
export const RESUME_SUBPROTOCOL_PREFIX = 'sandbox.resume.';
/** The output byte offset the client has received up to, offered on reconnect. */
export const OFFSET_SUBPROTOCOL_PREFIX = 'sandbox.offset.';
/** A viewer's credential: the `token` of a share (never the session token, never in a URL's query). */
export const SHARE_SUBPROTOCOL_PREFIX = 'sandbox.share.';

/** What a share lets its viewers do: `view` watches; `control` also types into the program. */
export const SHARE_MODES = ['view', 'control'] as const;
export type ShareMode = (typeof SHARE_MODES)[number];

/**
 * Most output bytes the server sends ahead of a client's acks once the client
 * opted in with `hello`. Clients must ack at least every ACK_EVERY_BYTES
 * processed bytes, or the stream stalls. The window is 16 acks wide so a late
 * ack round trip (up to ~9 ms at 50 MB/s) does not pause the source; 512 KiB
 * is still a fraction of a second of terminal parsing, so Ctrl-C stays prompt.
 */
export const FLOW_WINDOW_BYTES = 512 * 1024;
export const ACK_EVERY_BYTES = 32 * 1024;

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
  | {type: 'ack'; bytes: number}
  /** First message of a client that acknowledges output (enables the flow window). */
  | {type: 'hello'; acks: boolean};

export type ServerMessage =
  | {type: 'status'; state: 'starting' | 'running'}
  | {type: 'exit'; code: number; reason: ExitReason}
  | {type: 'error'; code: ErrorCode; message: string}
  /**
   * The credential to resume this session after a drop: valid for `graceMs`
   * after the socket drops, replaced on every attach (the previous one stops working).
   */
  | {type: 'resume-token'; token: string; graceMs: number}
  /**
   * Sent on a reconnect before any output: the binary frames that follow start
   * at output offset `from`. `truncated`: the bytes the client missed are no
   * longer kept, so it must clear its screen; what follows is all that is kept.
   */
  | {type: 'replay'; from: number; truncated: boolean}
  /**
   * A step run with `catchUp`: the page session's earlier steps that ran
   * first in its new environment (their output is not streamed), sent before
   * the step's own output, on every attach.
   */
  | {type: 'catch-up'; steps: CaughtUpStep[]}
  /**
   * Who else is on a shared session, to every participant (the owner and each
   * viewer) whenever it changes: `viewers` sockets joined through shares, of
   * which `controllers` may type.
   */
  | {type: 'presence'; viewers: number; controllers: number}
  /** To a viewer: the terminal's size is now the owner's `cols` × `rows`. */
  | {type: 'resize'; cols: number; rows: number}
  /**
   * To a viewer, on attach and whenever it is resynced: clear the screen and
   * size it `cols` × `rows`; the next binary frame is the current screen (and
   * some scrollback) as escape sequences, and live output follows it.
   */
  | {type: 'snapshot'; cols: number; rows: number};

/** One earlier step a catch-up ran: its position, block and exit code (-1: it could not run). */
export interface CaughtUpStep {
  step: number;
  block: string;
  code: number;
}

/**
 * Most steps one `catch-up` message may list: a page session is a tutorial of
 * a handful of steps, so a longer list is refused rather than rendered.
 */
export const MAX_CAUGHT_UP_STEPS = 100;

/** Stable error codes, in HTTP bodies and in `error` messages. */
/**
 * The refusals caused by what a session request itself says (its block, env,
 * files or command): a client must change the request, not retry it.
 */
export const REQUEST_ERROR_CODES = [
  'bad-request',
  'bad-path',
  'too-many-files',
  'too-large',
  'unknown-env',
  'unknown-block',
  'not-editable',
  'inline-disabled',
] as const;

export const ERROR_CODES = [
  ...REQUEST_ERROR_CODES,
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
  'environment-not-found',
  'environment-unauthorized',
  'environment-mismatch',
  'busy',
  'view-only',
  'owner-only',
  'too-many-viewers',
  'too-many-shares',
  'share-not-found',
  'not-found',
  'node-unreachable',
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
  /** Inline runs only: the command reads input (no run timeout). */
  interactive?: boolean;
  /** A step of a page session: run it in this environment (from an earlier answer's `environment`). */
  environment?: EnvironmentRef;
  /** A step of a page session: a new environment in which the earlier steps (as authored) have run first. */
  catchUp?: boolean;
}
export interface CreateSessionResponse {
  id: string;
  token: string;
  ws: string;
  /** In a cluster (`server.node`): the node that holds the session; `ws` goes through it. */
  node?: string;
  /** Only for a block of a page session: the environment the step runs in. */
  environment?: EnvironmentInfo;
}

/** Names a page session's environment: its id and the secret that proves the reader holds it. */
export interface EnvironmentRef {
  id: string;
  token: string;
}

/** A page session's environment, as POST /api/sessions and GET /api/environments/<id> answer. */
export interface EnvironmentInfo extends EnvironmentRef {
  /** The page session (manifest `sessions[].id`) it belongs to. */
  session: string;
  /** The steps (1-based) that have run in it, each once, in the order they first ran (catch-up included). */
  ran: number[];
  /** The step running in it now, if any. */
  running?: number;
}

/** The header that carries an environment's token on GET, DELETE and POST …/leave of /api/environments/<id>. */
export const ENVIRONMENT_TOKEN_HEADER = 'x-sandbox-environment';

/** POST /api/sessions/<id>/shares (with `Authorization: Bearer <the owner's latest resume-token>`) */
export interface CreateShareRequest {
  mode: ShareMode;
  /** How long the share lasts, e.g. "30m" (a duration: digits and ms, s, m or h); default DEFAULT_SHARE_TTL. It ends with the session anyway. */
  ttl?: string;
}
export interface CreateShareResponse {
  id: string;
  /** The viewer's credential, offered as `sandbox.share.<token>`. */
  token: string;
  /** The page that holds the block, with the share in its fragment (SHARE_FRAGMENT_KEYS). */
  url: string;
  mode: ShareMode;
  /** ISO 8601. */
  expiresAt: string;
}

export const DEFAULT_SHARE_TTL = '30m';
/** The longest `ttl` a share may ask for (a session ends well before it: `limits.maxLifetime`). */
export const MAX_SHARE_TTL_MS = 24 * 3_600_000;

/**
 * The keys of a share link's fragment, `#sandbox-share=<token>&session=<id>&block=<block id>&mode=<mode>`:
 * in the fragment, the token never reaches a server log or a Referer.
 */
export const SHARE_FRAGMENT_KEYS = {token: 'sandbox-share', session: 'session', block: 'block', mode: 'mode'} as const;

/** The path of a session's shares (POST); + `/<shareId>` (DELETE) revokes one. */
export const sharesPath = (sessionId: string, basePath = '/'): string => `${basePath}api/sessions/${encodeURIComponent(sessionId)}/shares`;

/** The path of an environment (GET: its state; DELETE: remove it; + `/leave`: its page went away). */
export const environmentPath = (id: string, basePath = '/'): string => `${basePath}api/environments/${encodeURIComponent(id)}`;

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
  /** A viewer's share was revoked by the owner (DELETE …/shares/<id>) or it expired. */
  shareRevoked: 4003,
  /** The session no longer exists (ended, expired). */
  sessionEnded: 4004,
  /** A viewer stayed behind its bounded buffer too long (it can reconnect for a fresh screen). */
  viewerBehind: 4008,
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
    case 'hello': {
      const acks = value.acks;
      if (typeof acks !== 'boolean') throw new ProtocolError('hello needs a boolean acks');
      return {type: 'hello', acks};
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
    case 'resume-token':
      return typeof value.token === 'string' && typeof value.graceMs === 'number' ? (value as ServerMessage) : undefined;
    case 'replay':
      return typeof value.from === 'number' && Number.isSafeInteger(value.from) && value.from >= 0 && typeof value.truncated === 'boolean'
        ? (value as ServerMessage)
        : undefined;
    case 'catch-up':
      return parseCatchUp(value.steps);
    case 'presence':
      return isCount(value.viewers) && isCount(value.controllers) && value.controllers <= value.viewers
        ? {type: 'presence', viewers: value.viewers, controllers: value.controllers}
        : undefined;
    case 'resize':
    case 'snapshot':
      return isCount(value.cols) && isCount(value.rows) && withinBounds(value.cols, value.rows) ? {type: value.type, cols: value.cols, rows: value.rows} : undefined;
    default:
      return undefined;
  }
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const withinBounds = (cols: number, rows: number): boolean =>
  cols >= TERMINAL_BOUNDS.minCols && cols <= TERMINAL_BOUNDS.maxCols && rows >= TERMINAL_BOUNDS.minRows && rows <= TERMINAL_BOUNDS.maxRows;

const isCaughtUpStep = (value: unknown): value is CaughtUpStep =>
  isPlainObject(value) &&
  Number.isSafeInteger(value.step) &&
  (value.step as number) >= 1 &&
  typeof value.block === 'string' &&
  value.block !== '' &&
  Number.isSafeInteger(value.code);

/** Every listed step must be well formed: a note that names the wrong steps is worse than none. */
function parseCatchUp(steps: unknown): ServerMessage | undefined {
  if (!Array.isArray(steps) || steps.length > MAX_CAUGHT_UP_STEPS || !steps.every(isCaughtUpStep)) return undefined;
  // Copied field by field: what the client keeps has exactly the fields it reads.
  return {type: 'catch-up', steps: steps.map(({step, block, code}) => ({step, block, code}))};
}

export const encodeMessage = (message: ClientMessage | ServerMessage): string => JSON.stringify(message);

/** Subprotocol list a client offers: the protocol, then the token. */
export const clientSubprotocols = (token: string): string[] => [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token];

/** Subprotocols of a reconnect: the protocol, the resume credential and the offset received so far. */
export const resumeSubprotocols = (resumeToken: string, offset: number): string[] => [
  SUBPROTOCOL,
  RESUME_SUBPROTOCOL_PREFIX + resumeToken,
  OFFSET_SUBPROTOCOL_PREFIX + String(offset),
];

/** Subprotocols of a viewer: the protocol and the share's token. */
export const shareSubprotocols = (shareToken: string): string[] => [SUBPROTOCOL, SHARE_SUBPROTOCOL_PREFIX + shareToken];

/** The share token among offered subprotocols, if any. */
export function parseShareOffer(protocols: readonly string[]): string | undefined {
  const offered = protocols.find((protocol) => protocol.startsWith(SHARE_SUBPROTOCOL_PREFIX));
  const token = offered?.slice(SHARE_SUBPROTOCOL_PREFIX.length);
  return token === '' ? undefined : token;
}

/** The share in a link's fragment (`location.hash`), or undefined when it holds none. */
export function parseShareFragment(hash: string): {token: string; session: string; block?: string; mode?: ShareMode} | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get(SHARE_FRAGMENT_KEYS.token);
  const session = params.get(SHARE_FRAGMENT_KEYS.session);
  if (!token || !session) return undefined;
  const block = params.get(SHARE_FRAGMENT_KEYS.block);
  const mode = SHARE_MODES.find((candidate) => candidate === params.get(SHARE_FRAGMENT_KEYS.mode));
  return {token, session, ...(block ? {block} : {}), ...(mode ? {mode} : {})};
}

/** The fragment of a share link (without '#'); `mode` only tells the viewer's page what to show (the server decides). */
export function shareFragment(share: {token: string; session: string; block?: string | undefined; mode?: ShareMode | undefined}): string {
  const params = new URLSearchParams({[SHARE_FRAGMENT_KEYS.token]: share.token, [SHARE_FRAGMENT_KEYS.session]: share.session});
  if (share.block) params.set(SHARE_FRAGMENT_KEYS.block, share.block);
  if (share.mode) params.set(SHARE_FRAGMENT_KEYS.mode, share.mode);
  return params.toString();
}

/**
 * The resume credential and offset among offered subprotocols. An offset that
 * is not a plain non-negative integer is ignored (the client then gets a full replay).
 */
export function parseResumeOffer(protocols: readonly string[]): {token?: string; offset?: number} {
  const offer: {token?: string; offset?: number} = {};
  for (const protocol of protocols) {
    if (protocol.startsWith(RESUME_SUBPROTOCOL_PREFIX)) {
      const token = protocol.slice(RESUME_SUBPROTOCOL_PREFIX.length);
      if (token !== '') offer.token = token;
    } else if (protocol.startsWith(OFFSET_SUBPROTOCOL_PREFIX)) {
      const digits = protocol.slice(OFFSET_SUBPROTOCOL_PREFIX.length);
      if (/^[0-9]{1,15}$/.test(digits)) offer.offset = Number(digits);
    }
  }
  return offer;
}

/**
 * The part of an API path that names the node (gateway) owning what follows,
 * in a cluster: `<base>api/nodes/<node>/sessions/…`. A balancer routes by it
 * to the one gateway holding the session's container and replay buffer.
 */
export const nodeSegment = (node: string | undefined): string => (node ? `nodes/${encodeURIComponent(node)}/` : '');

/**
 * Path of a session's WebSocket, under the site's base path (`baseUrl`, '/'
 * by default; it starts and ends with '/'), and in a cluster under its node.
 */
export const sessionSocketPath = (id: string, basePath = '/', node?: string): string => `${basePath}api/${nodeSegment(node)}sessions/${encodeURIComponent(id)}/ws`;
