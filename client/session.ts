/**
 * One reader's sandbox session, framework-free: POST /api/sessions, then a
 * WebSocket speaking protocol v1 (binary frames = terminal bytes both ways,
 * text frames = JSON control messages). Reports everything as a SandboxStatus.
 * Disposable.
 *
 * This class holds the session's lifecycle (create, connect, stop, reconnect,
 * dispose); each concern it drives has its own module:
 * - `create-session.ts`: the POST and its errors;
 * - `socket.ts`: the one socket held, sent on only while open;
 * - `server-frames.ts`: decoding what the server sends;
 * - `resume.ts`: the offset and credential a reconnect offers, so the server
 *   replays what was missed;
 * - `input.ts`: keystrokes held (bounded) while reconnecting;
 * - `acks.ts`: flow-control acks once the terminal parsed the output;
 * - `closing.ts` and `reconnect.ts`: what a close means and when to try again.
 */
import {encodeMessage, type ClientMessage, type ErrorCode, type ExitReason, type SignalName} from '../protocol/index.js';
import {AckCounter} from './acks.js';
import {decideOnClose} from './closing.js';
import {createSession} from './create-session.js';
import {binaryStringToBytes, HeldInput, inputBytes} from './input.js';
import {ReconnectSchedule} from './reconnect.js';
import {ResumeState} from './resume.js';
import {dispatchServerFrame, type ServerEvents} from './server-frames.js';
import type {SessionOptions} from './session-options.js';
import {browserSocketFactory, SocketHolder, type SocketLike} from './socket.js';
import type {SandboxStatus} from './status.js';
import {globalTimers, type Timers} from './timers.js';
import {apiBase} from './url.js';

export type {SessionOptions} from './session-options.js';
export type {Timers} from './timers.js';

export class SandboxSession {
  readonly #options: SessionOptions;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #socket = new SocketHolder();
  readonly #resume = new ResumeState();
  readonly #held = new HeldInput();
  readonly #acks: AckCounter;
  readonly #reconnects: ReconnectSchedule;
  readonly #serverEvents: ServerEvents;
  #status: SandboxStatus = {state: 'idle'};
  #socketUrl = '';
  #token = '';
  #disposed = false;
  #exited = false;
  #lastError: ErrorCode | undefined;
  #startedAt = 0;
  #stopRequested = false;
  #reconnectTimer: unknown;
  #killTimer: unknown;
  #size: {cols: number; rows: number} | undefined;
  /** Session id once created. */
  id: string | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? globalTimers;
    this.#now = options.now ?? (() => Date.now());
    this.#acks = new AckCounter(options.ackEveryBytes);
    this.#reconnects = new ReconnectSchedule(options.backoff, options.random);
    if (options.request.cols && options.request.rows) this.#size = {cols: options.request.cols, rows: options.request.rows};
    this.#serverEvents = {
      output: (bytes) => this.#output(bytes),
      running: () => {
        if (!this.#stopRequested) this.#setStatus({state: 'running'});
      },
      exit: (code, reason) => this.#exit(code, reason),
      error: (code) => {
        this.#lastError = code;
      },
      resumeToken: (token) => this.#resume.acceptToken(token),
      replay: (from, truncated) => {
        // What follows starts at `from`; when part was lost the screen restarts from the kept tail.
        if (truncated) this.#options.onReplayTruncated?.();
        this.#resume.replayFrom(from);
      },
      catchUp: (steps) => this.#options.onCatchUp?.(steps),
      presence: (viewers, controllers) => this.#options.onPresence?.(viewers, controllers),
    };
  }

  /**
   * What the owner's share calls need (`createShare`, `revokeShare`): the
   * session's id, the API base and the latest resume credential; undefined
   * until the socket has received one.
   */
  get shareAccess(): {sessionId: string; base: string; resumeToken: string} | undefined {
    const resumeToken = this.#resume.credential;
    if (!this.id || !resumeToken) return undefined;
    return {sessionId: this.id, base: apiBase(this.#options.serverUrl, this.#options.pageOrigin, this.#options.baseUrl), resumeToken};
  }

  get status(): SandboxStatus {
    return this.#status;
  }

  /** Creates the session and connects. Resolves once the request is answered (not when the program ends). */
  async start(): Promise<void> {
    if (this.#disposed) return;
    this.#setStatus({state: 'connecting'});
    let outcome = await this.#create(this.#options.request);
    if (outcome && !outcome.created) {
      // At most one retry, with the request the owner chose (see SessionOptions.retryRequest).
      const retry = this.#options.retryRequest?.(outcome.code, this.#options.request);
      if (retry) outcome = await this.#create(retry);
    }
    if (outcome === undefined) return;
    if (!outcome.created) {
      this.#setStatus({state: 'error', code: outcome.code});
      return;
    }
    if (outcome.environment) this.#options.onEnvironment?.(outcome.environment);
    this.id = outcome.id;
    this.#token = outcome.token;
    this.#socketUrl = outcome.socketUrl;
    this.#startedAt = this.#now();
    if (this.#stopRequested) {
      // Stop was clicked while the request was in flight: the server ends an unconnected session on its own.
      this.#finishStopped();
      return;
    }
    this.#connect();
  }

  #create(request: SessionOptions['request']): ReturnType<typeof createSession> {
    return createSession({
      base: apiBase(this.#options.serverUrl, this.#options.pageOrigin, this.#options.baseUrl),
      pageOrigin: this.#options.pageOrigin,
      request,
      fetch: this.#options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
      getAuthToken: this.#options.getAuthToken,
      warn: this.#options.warn ?? ((message) => console.warn(message)),
      cancelled: () => this.#disposed,
    });
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
    const bytes = inputBytes(data);
    if (this.#socket.isOpen) {
      this.#socket.send(bytes);
      return;
    }
    if (this.#status.state !== 'reconnecting') return;
    if (this.#held.hold(bytes) === 'first-refusal') this.#setStatus({...this.#status, inputRefused: true});
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
    const due = this.#acks.processed(bytes);
    if (due !== undefined) this.#send({type: 'ack', bytes: due});
  }

  /** SIGTERM now, SIGKILL after the grace period if the program is still there. */
  stop(): void {
    if (this.#disposed || this.#exited) return;
    this.#stopRequested = true;
    if (!this.#socket.isOpen) {
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
    this.#socket.close();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #send(message: ClientMessage): void {
    this.#socket.send(encodeMessage(message));
  }

  #setStatus(status: SandboxStatus): void {
    this.#status = status;
    this.#options.onStatus(status);
  }

  #finishStopped(): void {
    this.#setStatus({state: 'stopped', durationMs: this.#now() - this.#startedAt});
    this.dispose();
  }

  #connect(): void {
    this.#lastError = undefined;
    const protocols = this.#resume.nextSubprotocols(this.#token, this.#reconnects.everOpened);
    this.#acks.newSocket();
    const opened = this.#socket.open(this.#options.createSocket ?? browserSocketFactory, this.#socketUrl, protocols, {
      open: (socket) => this.#opened(socket),
      frame: (data) => dispatchServerFrame(data, this.#serverEvents),
      closed: (code) => this.#closed(code),
    });
    if (!opened) this.#setStatus({state: 'error', code: 'connection-failed'});
  }

  #opened(socket: SocketLike): void {
    this.#reconnects.opened();
    this.#send({type: 'hello', acks: true});
    if (!this.#stopRequested) this.#setStatus({state: 'running'});
    if (this.#size) this.#send({type: 'resize', ...this.#size});
    // What the reader typed while the connection was down, in order, after the resume.
    for (const bytes of this.#held.take()) socket.send(bytes);
  }

  #output(bytes: Uint8Array): void {
    this.#resume.countOutput(bytes.byteLength);
    const generation = this.#acks.generation;
    this.#options.onOutput(bytes, () => {
      if (this.#acks.isCurrent(generation)) this.acknowledge(bytes.byteLength);
    });
  }

  #exit(code: number, reason: ExitReason): void {
    this.#exited = true;
    this.#timers.clearTimeout(this.#killTimer);
    const durationMs = this.#now() - this.#startedAt;
    if (this.#stopRequested) this.#setStatus({state: 'stopped', durationMs});
    else this.#setStatus({state: 'exited', code, reason, durationMs});
  }

  #closed(code: number): void {
    if (this.#disposed) return;
    const decision = decideOnClose({
      code,
      exited: this.#exited,
      error: this.#lastError,
      everOpened: this.#reconnects.everOpened,
      resuming: this.#resume.resuming,
      attempts: this.#reconnects.attempts,
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
      case 'reconnect':
        this.#scheduleReconnect();
    }
  }

  #scheduleReconnect(): void {
    if (this.#stopRequested) {
      this.#finishStopped();
      return;
    }
    const {attempt, delayMs} = this.#reconnects.nextAttempt();
    const inputRefused = this.#held.refused ? {inputRefused: true} : {};
    this.#setStatus({state: 'reconnecting', attempt, delayMs, ...inputRefused});
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      if (!this.#disposed) this.#connect();
    }, delayMs);
  }
}
