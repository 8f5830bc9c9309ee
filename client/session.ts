/**
 * One reader's sandbox session, framework-free: POST /api/sessions, then a
 * WebSocket speaking protocol v1 (binary frames = terminal bytes both ways,
 * text frames = JSON control messages). Reports everything as a SandboxStatus.
 * Disposable.
 *
 * - Resume (issue 7): it counts the output bytes it received and keeps the
 *   server's latest `resume-token`; when the socket drops it reconnects with
 *   jittered backoff offering both (subprotocols, never the URL), and the
 *   server replays what was missed. Keystrokes typed meanwhile are held (up to
 *   MAX_HELD_INPUT bytes) and sent after the resume; more is refused and the
 *   status says so.
 * - Flow control (issue 6): it says `hello` with acks and acknowledges output
 *   once the terminal has parsed it (`onOutput`'s `processed` callback).
 */
import {
  ACK_EVERY_BYTES,
  clientSubprotocols,
  OFFSET_SUBPROTOCOL_PREFIX,
  resumeSubprotocols,
  encodeMessage,
  parseServerMessage,
  ERROR_CODES,
  type ClientMessage,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type ErrorCode,
  type SignalName,
} from '../protocol/index.js';
import {backoffDelay, DEFAULT_BACKOFF, type BackoffOptions} from './backoff.js';
import {decideOnClose} from './closing.js';
import type {SandboxStatus} from './status.js';
import {globalTimers, type Timers} from './timers.js';
import {apiBase, socketUrl} from './url.js';

export type {Timers} from './timers.js';

/** The part of a WebSocket the session uses (the browser's, or a test double). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: {data: unknown}) => void) | null;
  onclose: ((event: {code: number; reason: string}) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;
export type FetchLike = (url: string, init: {method: string; headers: Record<string, string>; body: string}) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export interface SessionOptions {
  /** The plugin's `serverUrl`; '' or undefined = the page's origin. */
  serverUrl?: string;
  pageOrigin: string;
  request: CreateSessionRequest;
  /** Program output; call `processed` once the terminal has parsed it (flow-control acks). */
  onOutput(data: Uint8Array, processed: () => void): void;
  onStatus(status: SandboxStatus): void;
  /** A resume could not replay everything that was missed: clear the terminal, the kept tail follows. */
  onReplayTruncated?(): void;
  /** The operator's bearer token for the POST (jwt auth mode); undefined sends none. */
  getAuthToken?: () => Promise<string | undefined>;
  fetch?: FetchLike;
  createSocket?: SocketFactory;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  backoff?: BackoffOptions;
  maxReconnectAttempts?: number;
  /** Time between SIGTERM and SIGKILL on Stop. */
  stopGraceMs?: number;
  /** Send a flow-control `ack` every this many processed output bytes (at most half the server's window). */
  ackEveryBytes?: number;
}

/** Keystrokes held while reconnecting; beyond this they are refused (and the status says so). */
export const MAX_HELD_INPUT = 4 * 1024;

const OPEN = 1;
const encoder = new TextEncoder();

const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** Reads the server's `{"error":{"code"}}` body; anything else is a bad response. */
export async function readErrorCode(response: {json(): Promise<unknown>}): Promise<ErrorCode | 'bad-response'> {
  try {
    const body = (await response.json()) as {error?: {code?: unknown}} | null;
    const code = body?.error?.code;
    return isErrorCode(code) ? code : 'bad-response';
  } catch {
    return 'bad-response';
  }
}

/** A binary string (one char per byte) as those bytes; a char above 0xff keeps its low byte. */
export function binaryStringToBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let index = 0; index < data.length; index += 1) bytes[index] = data.charCodeAt(index) & 0xff;
  return bytes;
}

export class SandboxSession {
  readonly #options: SessionOptions;
  readonly #timers: Timers;
  readonly #now: () => number;
  #status: SandboxStatus = {state: 'idle'};
  #socket: SocketLike | undefined;
  #socketUrl = '';
  #token = '';
  #disposed = false;
  #everOpened = false;
  #exited = false;
  #lastError: ErrorCode | undefined;
  #attempts = 0;
  #startedAt = 0;
  #stopRequested = false;
  #reconnectTimer: unknown;
  #killTimer: unknown;
  #size: {cols: number; rows: number} | undefined;
  #unacknowledged = 0;
  /** Output bytes received so far: the offset a resume asks from. */
  #received = 0;
  #resumeToken: string | undefined;
  /** The current socket was opened with the resume credential. */
  #resuming = false;
  /** Bumped per socket: acks for bytes of an older socket are not counted against the new one's window. */
  #generation = 0;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #inputRefused = false;
  /** Session id once created. */
  id: string | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? globalTimers;
    this.#now = options.now ?? (() => Date.now());
    if (options.request.cols && options.request.rows) this.#size = {cols: options.request.cols, rows: options.request.rows};
  }

  get status(): SandboxStatus {
    return this.#status;
  }

  /** Creates the session and connects. Resolves once the request is answered (not when the program ends). */
  async start(): Promise<void> {
    if (this.#disposed) return;
    this.#setStatus({state: 'connecting'});
    const base = apiBase(this.#options.serverUrl, this.#options.pageOrigin);
    const doFetch = this.#options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    let response: Awaited<ReturnType<FetchLike>>;
    const headers: Record<string, string> = {'content-type': 'application/json'};
    try {
      const token = await this.#options.getAuthToken?.();
      if (token) headers.authorization = `Bearer ${token}`;
    } catch {
      // The site could not sign the reader in: the server would refuse the session anyway.
      if (!this.#disposed) this.#setStatus({state: 'error', code: 'unauthorized'});
      return;
    }
    try {
      response = await doFetch(`${base}/api/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(this.#options.request),
      });
    } catch {
      if (!this.#disposed) this.#setStatus({state: 'error', code: 'unreachable'});
      return;
    }
    if (this.#disposed) return;
    if (!response.ok) {
      // A proxy in front of a stopped backend answers 502/503/504 with HTML.
      const code = await readErrorCode(response);
      if (this.#disposed) return;
      const unreachable = code === 'bad-response' && response.status >= 502 && response.status <= 504;
      this.#setStatus({state: 'error', code: unreachable ? 'unreachable' : code});
      return;
    }
    let answer: Partial<CreateSessionResponse>;
    try {
      answer = (await response.json()) as Partial<CreateSessionResponse>;
    } catch {
      answer = {};
    }
    if (this.#disposed) return;
    if (typeof answer.id !== 'string' || typeof answer.token !== 'string') {
      this.#setStatus({state: 'error', code: 'bad-response'});
      return;
    }
    this.id = answer.id;
    this.#token = answer.token;
    this.#socketUrl = socketUrl(base, answer.id, typeof answer.ws === 'string' ? answer.ws : undefined);
    this.#startedAt = this.#now();
    if (this.#stopRequested) {
      // Stop was clicked while the request was in flight: the server ends an unconnected session on its own.
      this.#finishStopped();
      return;
    }
    this.#connect();
  }

  /**
   * Terminal input that arrives as a binary string (one char per byte, e.g. xterm's
   * mouse reports in X10 mode past column 95): each char is one byte as it is. Passing
   * it to `write` would UTF-8-encode every char of 0x80 and above into two bytes.
   */
  writeBinary(data: string): void {
    this.write(binaryStringToBytes(data));
  }

  /**
   * Terminal input (keystrokes, paste) as bytes; a string is text and is sent UTF-8-encoded. While reconnecting it is held
   * (bounded) and sent after the resume; beyond the bound it is refused visibly.
   */
  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    if (this.#socket?.readyState === OPEN) {
      this.#socket.send(bytes);
      return;
    }
    if (this.#status.state !== 'reconnecting') return;
    if (this.#heldBytes + bytes.byteLength > MAX_HELD_INPUT) {
      if (!this.#inputRefused) {
        this.#inputRefused = true;
        this.#setStatus({...this.#status, inputRefused: true});
      }
      return;
    }
    this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
  }

  resize(cols: number, rows: number): void {
    this.#size = {cols, rows};
    this.#send({type: 'resize', cols, rows});
  }

  signal(signal: SignalName): void {
    this.#send({type: 'signal', signal});
  }

  /** Flow-control hook: the terminal has processed `bytes` more output bytes. */
  acknowledge(bytes: number): void {
    this.#unacknowledged += bytes;
    const every = this.#options.ackEveryBytes ?? ACK_EVERY_BYTES;
    if (this.#unacknowledged >= every) {
      this.#send({type: 'ack', bytes: this.#unacknowledged});
      this.#unacknowledged = 0;
    }
  }

  /** SIGTERM now, SIGKILL after the grace period if the program is still there. */
  stop(): void {
    if (this.#disposed || this.#exited) return;
    this.#stopRequested = true;
    if (this.#socket?.readyState !== OPEN) {
      // Not connected (still creating, or between reconnects): nothing to signal.
      if (this.id !== undefined) this.#finishStopped();
      else this.#setStatus({state: 'stopping'});
      return;
    }
    this.#setStatus({state: 'stopping'});
    this.signal('SIGTERM');
    this.#timers.clearTimeout(this.#killTimer);
    this.#killTimer = this.#timers.setTimeout(() => this.signal('SIGKILL'), this.#options.stopGraceMs ?? 2000);
  }

  /**
   * Ends the program if it still runs, closes the socket and cancels timers. Idempotent.
   * The server keeps a session whose socket dropped for a reconnect grace period; a reader
   * who leaves the page or runs again is done with it, so it is killed rather than left to
   * hold one of the reader's session slots.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#timers.clearTimeout(this.#killTimer);
    if (!this.#exited) this.signal('SIGKILL');
    this.#closeSocket();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #send(message: ClientMessage): void {
    if (this.#socket?.readyState === OPEN) this.#socket.send(encodeMessage(message));
  }

  #setStatus(status: SandboxStatus): void {
    this.#status = status;
    this.#options.onStatus(status);
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(1000, 'client closed');
    } catch {
      // Closing a socket that never opened may throw in some browsers; it is gone either way.
    }
  }

  #finishStopped(): void {
    this.#setStatus({state: 'stopped', durationMs: this.#now() - this.#startedAt});
    this.dispose();
  }

  #connect(): void {
    const create = this.#options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike);
    this.#lastError = undefined;
    // A reconnect says how much output it already has; with the resume credential once the server gave one.
    this.#resuming = this.#resumeToken !== undefined;
    const protocols = this.#resumeToken
      ? resumeSubprotocols(this.#resumeToken, this.#received)
      : this.#everOpened
        ? [...clientSubprotocols(this.#token), OFFSET_SUBPROTOCOL_PREFIX + String(this.#received)]
        : clientSubprotocols(this.#token);
    this.#generation += 1;
    this.#unacknowledged = 0;
    let socket: SocketLike;
    try {
      socket = create(this.#socketUrl, protocols);
    } catch {
      this.#setStatus({state: 'error', code: 'connection-failed'});
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.#everOpened = true;
      this.#attempts = 0;
      this.#send({type: 'hello', acks: true});
      if (!this.#stopRequested) this.#setStatus({state: 'running'});
      if (this.#size) this.#send({type: 'resize', ...this.#size});
      // What the reader typed while the connection was down, in order, after the resume.
      for (const bytes of this.#held) socket.send(bytes);
      this.#held = [];
      this.#heldBytes = 0;
      this.#inputRefused = false;
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onerror = () => {
      // The close event follows and carries the decision.
    };
    socket.onclose = (event) => this.#onClose(event.code);
  }

  #output(bytes: Uint8Array): void {
    this.#received += bytes.byteLength;
    const generation = this.#generation;
    this.#options.onOutput(bytes, () => {
      if (generation === this.#generation) this.acknowledge(bytes.byteLength);
    });
  }

  #onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.#output(new Uint8Array(data));
      return;
    }
    if (ArrayBuffer.isView(data)) {
      this.#output(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    if (typeof data !== 'string') return;
    const message = parseServerMessage(data);
    if (!message) return;
    switch (message.type) {
      case 'status':
        if (message.state === 'running' && !this.#stopRequested) this.#setStatus({state: 'running'});
        break;
      case 'exit': {
        this.#exited = true;
        this.#timers.clearTimeout(this.#killTimer);
        const durationMs = this.#now() - this.#startedAt;
        if (this.#stopRequested) this.#setStatus({state: 'stopped', durationMs});
        else this.#setStatus({state: 'exited', code: message.code, reason: message.reason, durationMs});
        break;
      }
      case 'error':
        this.#lastError = isErrorCode(message.code) ? message.code : 'internal';
        break;
      case 'resume-token':
        this.#resumeToken = message.token;
        break;
      case 'replay':
        // What follows starts at `from`; when part was lost the screen restarts from the kept tail.
        if (message.truncated) this.#options.onReplayTruncated?.();
        this.#received = message.from;
        break;
    }
  }

  #onClose(code: number): void {
    this.#socket = undefined;
    if (this.#disposed) return;
    const decision = decideOnClose({
      code,
      exited: this.#exited,
      error: this.#lastError,
      everOpened: this.#everOpened,
      resuming: this.#resuming,
      attempts: this.#attempts,
      maxAttempts: this.#options.maxReconnectAttempts ?? 6,
    });
    switch (decision.action) {
      case 'done':
        this.dispose();
        return;
      case 'expired':
        this.#setStatus({state: 'expired'});
        this.dispose();
        return;
      case 'lost':
        this.#setStatus(this.#stopRequested ? {state: 'stopped', durationMs: this.#now() - this.#startedAt} : {state: 'lost'});
        this.dispose();
        return;
      case 'error':
        this.#setStatus({state: 'error', code: decision.code});
        this.dispose();
        return;
      case 'reconnect': {
        if (this.#stopRequested) {
          this.#finishStopped();
          return;
        }
        const delayMs = backoffDelay(this.#attempts, this.#options.backoff ?? DEFAULT_BACKOFF, this.#options.random);
        this.#attempts += 1;
        this.#setStatus({state: 'reconnecting', attempt: this.#attempts, delayMs, ...(this.#inputRefused ? {inputRefused: true} : {})});
        this.#reconnectTimer = this.#timers.setTimeout(() => {
          if (!this.#disposed) this.#connect();
        }, delayMs);
      }
    }
  }
}
