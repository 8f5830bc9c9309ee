/**
 * One reader's run: a state machine `starting → running → ended` around one
 * container and at most one client socket at a time.
 *
 * - The container starts as soon as the session is created, so the client's
 *   WebSocket handshake overlaps the container start.
 * - Run timeout (non-interactive blocks), idle timeout, maximum lifetime and the
 *   output cap each end the session with their `reason`; OOM comes from
 *   `exited.oomKilled` (a child killed by OOM leaves exit code 0).
 * - The `exit` message is sent once the container's output has drained to the
 *   socket, then the socket is closed with 1000.
 * - A socket that drops without a deliberate close (code 1000) leaves the
 *   session running for the reconnect grace (issue 7). Every attach sends a
 *   fresh resume credential (the previous one stops working); a socket that
 *   comes back with it and the output offset it has received gets the missing
 *   bytes from the replay ring (`replay` message first), then live output.
 *   After the grace the container is removed and a late resume is told
 *   `session-ended` ("expired") with close 4004, for EXPIRED_KEEP_MS.
 * - A second socket takes the session over; the first is closed with 4001.
 * - Client SIGINT writes ETX (Ctrl-C, `\x03`) to the TTY: the terminal's line
 *   discipline turns it into SIGINT for the foreground process group, exactly as
 *   in a local terminal, and a program in raw mode (an editor, a REPL) gets the
 *   key it expects. SIGTERM and SIGKILL go to the container (tini forwards them).
 */
import {randomBytes, timingSafeEqual} from 'node:crypto';
import {
  CLOSE_CODES,
  encodeMessage,
  parseClientMessage,
  ProtocolError,
  type ExitReason,
  type ServerMessage,
  type SignalName,
} from '../../protocol/index.js';
import {closeCodeOf, SandboxError, toClientError} from '../errors.js';
import type {ContainerExit, ContainerRuntime, ContainerSpec, SandboxContainer} from '../runtime/types.js';
import {OutputPump} from '../stream/pump.js';
import type {OutputRate} from '../stream/rate.js';
import type {Clock, TimerHandle} from '../clock.js';
import type {LogFunction, LogLevel} from '../log.js';

export type SessionState = 'starting' | 'running' | 'ended';

/** The client socket as a session sees it; `server/http/upgrade.ts` adapts a `ws` WebSocket. */
export interface SessionPeer {
  readonly bufferedAmount: number;
  readonly open: boolean;
  send(data: Buffer | string): void;
  close(code: number, reason: string): void;
  /** Stop/continue reading the client's frames (stdin backpressure). */
  pause(): void;
  resume(): void;
}

export interface SessionTimeouts {
  /** Run time of a non-interactive command (ms). */
  run: number;
  idle: number;
  lifetime: number;
  reconnectGrace: number;
  /** How long the first socket may take to arrive (the token's lifetime: later, no one can connect). */
  firstConnect: number;
}

export interface SessionOptions {
  id: string;
  spec: ContainerSpec;
  runtime: ContainerRuntime;
  clock: Clock;
  timeouts: SessionTimeouts;
  outputLimit: number;
  /** Output rate, shared by the client's sessions; none for no limit. See OutputPump. */
  outputRate?: OutputRate | undefined;
  highWaterMark: number;
  lowWaterMark: number;
  messagesPerSecond: number;
  /** Called once when the session has ended (its slot is free; the container is being removed). */
  onEnded?: (session: Session) => void;
  /** Called once when nothing more is kept for a late socket: drop the session from any map. */
  onGone?: (session: Session) => void;
  /** A socket resumed the session (after a drop or as a takeover) and got a replay. */
  onResumed?: (session: Session, replay: ResumeDetails) => void;
  /** The reconnect grace ran out; the container is being removed. */
  onExpired?: (session: Session) => void;
  log?: LogFunction;
}

/** Keystrokes typed before the container runs are kept up to this many bytes. */
const MAX_EARLY_INPUT = 64 * 1024;
/** After the container exits, how long to wait for its stream to end when nothing holds it back. */
const DRAIN_FALLBACK_MS = 2_000;
/** How long an expired session still answers a late resume with "expired" (a few hundred bytes each). */
export const EXPIRED_KEEP_MS = 5 * 60_000;

export interface ResumeDetails {
  /** The offset the client asked from. */
  offset: number;
  /** The offset the replay starts at (older than `offset` when truncated). */
  from: number;
  truncated: boolean;
  replayedBytes: number;
}

/** How a socket attaches: `offset` = output bytes the client already has (a resume). */
export interface AttachOptions {
  offset?: number | undefined;
}

export class Session {
  readonly id: string;
  private stateValue: SessionState = 'starting';
  private container: SandboxContainer | undefined;
  private peer: SessionPeer | undefined;
  private readonly pump: OutputPump;
  private readonly options: Omit<SessionOptions, 'spec'>;
  /**
   * What to start, until the start has settled: the seed files can be large
   * and are never needed again (issue 6, memory per session).
   */
  private spec: ContainerSpec | undefined;
  private readonly envName: string;
  /** Aborts the container start; dropped once the start has settled. */
  private abort: AbortController | undefined = new AbortController();
  private readonly timers = new Map<string, TimerHandle>();
  private endReason: ExitReason | undefined;
  private exit: ContainerExit | undefined;
  private streamEnded = false;
  /** The last messages of an ended session, for a socket that arrives late. */
  private finalMessages: {messages: ServerMessage[]; code: number; reason: string} | undefined;
  private earlyInput: Buffer[] = [];
  private inputPaused = false;
  private earlyInputBytes = 0;
  private size: {cols: number; rows: number};
  private lastActivity: number;
  private messageWindow = {start: 0, count: 0, warned: false};
  private removal: Promise<void> | undefined;
  private startPromise: Promise<void> | undefined;
  /** The current resume credential; replaced on every attach. */
  /**
   * Kept as a string: a Buffer of it would be a slice of Node's shared 8 KiB
   * allocation pool, and sessions created at different times pin different
   * pool slabs (~0.5 KB per session measured, issue 6).
   */
  private resumeToken: string | undefined;
  /** Abandoned after the grace: only "expired" is left to tell. */
  private expired = false;

  constructor(init: SessionOptions) {
    const {spec, ...options} = init;
    this.options = options;
    this.spec = spec;
    this.envName = spec.envName;
    this.id = options.id;
    this.size = {cols: spec.cols, rows: spec.rows};
    this.lastActivity = options.clock.now();
    this.pump = new OutputPump({
      highWaterMark: options.highWaterMark,
      lowWaterMark: options.lowWaterMark,
      limit: options.outputLimit,
      rate: options.outputRate,
      clock: options.clock,
      onLimit: () => this.terminate('output-limit'),
      onData: () => {
        this.lastActivity = this.options.clock.now();
      },
    });
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get hasPeer(): boolean {
    return this.peer !== undefined;
  }

  get outputBytes(): number {
    return this.pump.bytes;
  }

  /** Whether its container came from a warm pool (see SandboxContainer.fromPool). */
  get fromPool(): boolean {
    return this.container?.fromPool === true;
  }

  /** Whether `token` is this session's current resume credential (constant-time compare). */
  acceptsResume(token: string): boolean {
    const expected = this.resumeToken;
    if (!expected) return false;
    const given = Buffer.from(token);
    const wanted = Buffer.from(expected);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  /** Starts the container; resolves when it runs or the session has failed. Call once. */
  start(): Promise<void> {
    this.startPromise ??= this.run();
    return this.startPromise;
  }

  private async run(): Promise<void> {
    const {clock, timeouts} = this.options;
    this.setTimer('lifetime', timeouts.lifetime, () => this.terminate('timeout'));
    if (!this.peer) this.setTimer('grace', timeouts.firstConnect, () => this.abandon());
    const spec = this.spec!;
    let container: SandboxContainer;
    try {
      container = await this.options.runtime.start(spec, {signal: this.abort!.signal});
    } catch (error) {
      this.fail(error);
      return;
    } finally {
      this.spec = undefined;
      this.abort = undefined;
    }
    if (this.stateValue === 'ended') {
      // Ended (shutdown, abandoned) while starting: the container is not wanted.
      await container.remove().catch(() => {});
      return;
    }
    this.container = container;
    this.stateValue = 'running';
    this.lastActivity = clock.now();
    this.sendControl({type: 'status', state: 'running'});

    const stream = container.stream;
    const ended = () => {
      if (this.streamEnded) return;
      this.streamEnded = true;
      this.maybeFinish();
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', (error) => {
      this.log('warn', 'container stream error', {error: String(error)});
      ended();
    });
    this.pump.setSource(stream);
    if (this.peer) this.pump.attach(this.peer);

    if (this.size.cols !== spec.cols || this.size.rows !== spec.rows) {
      container.resize(this.size.cols, this.size.rows).catch(() => {});
    }
    for (const chunk of this.earlyInput) stream.write(chunk);
    this.earlyInput = [];
    this.earlyInputBytes = 0;

    if (!spec.interactive) {
      this.setTimer('run', timeouts.run, () => this.terminate('timeout'));
    }
    this.armIdle();

    container.exited.then(
      (exit) => {
        this.exit = exit;
        this.maybeFinish();
        // The attach stream normally ends with the container; if it does not,
        // finish anyway, unless output still waits for a client that has not
        // connected yet (the grace timer bounds that) or is still reading.
        const fallback = () => {
          if (this.stateValue === 'ended') return;
          if (!this.peer || this.pump.paused) this.setTimer('drain', DRAIN_FALLBACK_MS, fallback);
          else {
            this.streamEnded = true;
            this.maybeFinish();
          }
        };
        this.setTimer('drain', DRAIN_FALLBACK_MS, fallback);
      },
      (error: unknown) => this.fail(new SandboxError('sandbox-lost', 'waiting for the container failed', {cause: error})),
    );
  }

  private armIdle(): void {
    const idle = this.options.timeouts.idle;
    const check = () => {
      const quiet = this.options.clock.now() - this.lastActivity;
      if (quiet >= idle) this.terminate('idle');
      else this.setTimer('idle', idle - quiet, check);
    };
    this.setTimer('idle', idle, check);
  }

  private setTimer(name: string, ms: number, callback: () => void): void {
    this.options.clock.clearTimeout(this.timers.get(name));
    this.timers.set(name, this.options.clock.setTimeout(callback, ms));
  }

  private clearTimer(name: string): void {
    this.options.clock.clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  /**
   * Connects a client socket; a previous one is closed with 4001 (replaced).
   * With `offset` (a resume) the bytes after it are replayed first.
   */
  attach(peer: SessionPeer, options: AttachOptions = {}): void {
    if (this.finalMessages) {
      // Ended while the client was away: what it missed, then how it ended.
      if (options.offset !== undefined && this.pump.bytes > 0 && !this.expired) this.replay(peer, options.offset);
      for (const message of this.finalMessages.messages) peer.send(encodeMessage(message));
      peer.close(this.finalMessages.code, this.finalMessages.reason);
      return;
    }
    if (this.stateValue === 'ended') {
      peer.close(CLOSE_CODES.sessionEnded, 'session ended');
      return;
    }
    const previous = this.peer;
    if (previous) {
      this.pump.detach(previous);
      previous.close(CLOSE_CODES.replaced, 'replaced by a new connection');
    }
    this.peer = peer;
    this.clearTimer('grace');
    peer.send(encodeMessage({type: 'status', state: this.stateValue === 'running' ? 'running' : 'starting'}));
    const token = randomBytes(24).toString('base64url');
    this.resumeToken = token;
    peer.send(encodeMessage({type: 'resume-token', token, graceMs: this.options.timeouts.reconnectGrace}));
    // Nothing was sent yet on a first attach (the source waits for a socket): no replay message then.
    const replayed = options.offset !== undefined || this.pump.bytes > 0 ? this.replay(peer, options.offset ?? 0) : [];
    this.pump.attach(peer, replayed);
  }

  /** Sends the `replay` message; returns the bytes to send before live output. */
  private replay(peer: SessionPeer, offset: number): Buffer[] {
    const replay = this.pump.replayFrom(offset);
    peer.send(encodeMessage({type: 'replay', from: replay.from, truncated: replay.truncated}));
    const bytes = replay.data.reduce((sum, chunk) => sum + chunk.length, 0);
    const details: ResumeDetails = {offset, from: replay.from, truncated: replay.truncated, replayedBytes: bytes};
    this.log('info', 'session resumed', {...details});
    this.options.onResumed?.(this, details);
    return replay.data;
  }

  /**
   * The client socket closed. A deliberate close (1000 from the client) ends
   * the session at once; any other drop leaves it `reconnectGrace` to come back.
   */
  detach(peer: SessionPeer, code?: number): void {
    if (this.peer !== peer) return;
    this.peer = undefined;
    this.pump.detach(peer);
    if (this.stateValue === 'ended') return;
    if (code === CLOSE_CODES.normal) {
      this.log('info', 'client closed the session');
      this.terminate('killed');
      return;
    }
    this.setTimer('grace', this.options.timeouts.reconnectGrace, () => this.abandon());
  }

  /** A frame from the client: binary is terminal input, text is a control message. */
  receive(data: Buffer, isBinary: boolean, peer: SessionPeer): void {
    if (peer !== this.peer || this.stateValue === 'ended') return;
    if (isBinary) {
      this.input(data, peer);
      return;
    }
    let message;
    try {
      message = parseClientMessage(data.toString('utf8'));
    } catch (error) {
      if (!this.allowMessage()) return;
      const text = error instanceof ProtocolError ? error.message : 'control message could not be read';
      this.sendControl({type: 'error', code: 'bad-message', message: text});
      return;
    }
    // Acks are paced by the output itself (one per ACK_EVERY_BYTES) and cost a
    // counter update: they are not rate-limited, or a fast flood would stall
    // its own window.
    if (message.type === 'ack') {
      this.pump.acknowledge(message.bytes);
      return;
    }
    if (!this.allowMessage()) return;
    switch (message.type) {
      case 'resize':
        this.size = {cols: message.cols, rows: message.rows};
        this.container?.resize(message.cols, message.rows).catch(() => {});
        break;
      case 'signal':
        this.signal(message.signal);
        break;
      case 'hello':
        if (message.acks) this.pump.enableAcks();
        break;
    }
  }

  private allowMessage(): boolean {
    const now = this.options.clock.now();
    const window = this.messageWindow;
    if (now - window.start >= 1000) {
      window.start = now;
      window.count = 0;
      window.warned = false;
    }
    window.count += 1;
    if (window.count <= this.options.messagesPerSecond) return true;
    if (!window.warned) {
      window.warned = true;
      this.sendControl({
        type: 'error',
        code: 'message-rate',
        message: `more than ${this.options.messagesPerSecond} control messages per second; extra messages are dropped`,
      });
    }
    return false;
  }

  private input(data: Buffer, peer: SessionPeer): void {
    this.lastActivity = this.options.clock.now();
    const container = this.container;
    if (!container) {
      if (this.earlyInputBytes + data.length <= MAX_EARLY_INPUT) {
        this.earlyInput.push(data);
        this.earlyInputBytes += data.length;
      }
      return;
    }
    if (!container.stream.write(data) && !this.inputPaused) {
      // The program does not read its input: stop reading the socket until it does.
      this.inputPaused = true;
      peer.pause();
      container.stream.once('drain', () => {
        this.inputPaused = false;
        if (this.peer === peer) peer.resume();
      });
    }
  }

  private signal(signal: SignalName): void {
    const container = this.container;
    if (signal === 'SIGINT') {
      if (container) container.stream.write('\x03');
      return;
    }
    if (!container) {
      // Still starting: nothing to signal yet, so the request ends the session.
      this.terminate('killed');
      return;
    }
    this.endReason ??= 'killed';
    container.kill(signal).catch((error: unknown) => this.log('warn', 'kill failed', {error: String(error)}));
  }

  /** Ends the session for `reason`: kills the container; the exit flows through `exited`. */
  terminate(reason: ExitReason): void {
    if (this.stateValue === 'ended') return;
    this.endReason ??= reason;
    const container = this.container;
    if (!container) {
      // Still starting: abort the start and report the reason without an exit code.
      this.abort?.abort();
      this.finish({code: -1, oomKilled: false});
      return;
    }
    this.discardOutput();
    container.kill('SIGKILL').catch(() => {
      // The container is already gone: its exit (or the drain fallback) ends the session.
    });
    // An end we caused must not wait for output the client never reads.
    this.streamEnded = true;
    this.maybeFinish();
  }

  /**
   * Stops forwarding and lets the container's output flow into nothing. The
   * engine reports a container as exited only once its attached output has been
   * copied out, so a paused stream would keep a killed session from ending.
   */
  private discardOutput(): void {
    this.pump.dispose();
    this.container?.stream.resume();
  }

  private maybeFinish(): void {
    if (this.exit && this.streamEnded) this.finish(this.exit);
  }

  private finish(exit: ContainerExit): void {
    if (this.stateValue === 'ended') return;
    const reason: ExitReason = this.endReason ?? (exit.oomKilled ? 'oom' : 'exit');
    const code = exit.oomKilled && this.endReason === undefined && exit.code === 0 ? 137 : exit.code;
    this.end({messages: [{type: 'exit', code, reason}], code: CLOSE_CODES.normal, reason});
  }

  /** The start or the container failed: an `error` message with a stable code, then close. */
  private fail(error: unknown): void {
    if (this.stateValue === 'ended') return;
    const clientError = toClientError(error);
    this.log(clientError.code === 'internal' ? 'error' : 'warn', 'session failed', {error: String(error), code: clientError.code});
    this.end({
      messages: [{type: 'error', ...clientError}],
      code: closeCodeOf(error),
      reason: clientError.code,
    });
  }

  private end(final: {messages: ServerMessage[]; code: number; reason: string}): void {
    this.stateValue = 'ended';
    this.log('info', 'session ended', {reason: final.reason, env: this.envName, outputBytes: this.pump.bytes});
    for (const name of [...this.timers.keys()]) if (name !== 'grace') this.clearTimer(name);
    this.discardOutput();
    const peer = this.peer;
    if (peer) {
      for (const message of final.messages) peer.send(encodeMessage(message));
      peer.close(final.code, final.reason);
      this.peer = undefined;
      this.clearTimer('grace');
    } else {
      // Keep the result for a socket that arrives late (e.g. the start failed
      // before the client connected), for the reconnect grace at most.
      this.finalMessages = final;
      this.setTimer('grace', this.options.timeouts.reconnectGrace, () => this.forget());
    }
    void this.remove();
    this.notifyEnded();
    if (!this.finalMessages) this.forget();
  }

  private endedNotified = false;
  private gone = false;

  private notifyEnded(): void {
    if (this.endedNotified) return;
    this.endedNotified = true;
    this.options.onEnded?.(this);
  }

  /** Nothing is kept for a late socket any more: the owner drops the session. */
  private forget(): void {
    this.clearTimer('grace');
    this.finalMessages = undefined;
    this.resumeToken = undefined;
    this.pump.releaseReplay();
    this.notifyEnded();
    if (this.gone) return;
    this.gone = true;
    this.options.onGone?.(this);
  }

  /**
   * No socket came back within the grace period: remove everything and free
   * the slot. A late resume is still told "expired" (not a bare 401) for
   * EXPIRED_KEEP_MS, so the reader sees why.
   */
  private abandon(): void {
    if (this.stateValue === 'ended') {
      this.forget();
      return;
    }
    this.endReason ??= 'killed';
    this.abort?.abort();
    this.stateValue = 'ended';
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    this.discardOutput();
    this.pump.releaseReplay();
    this.expired = true;
    void this.remove();
    this.log('info', 'session expired', {graceMs: this.options.timeouts.reconnectGrace});
    this.options.onExpired?.(this);
    this.notifyEnded();
    this.finalMessages = {
      messages: [{type: 'error', code: 'session-ended', message: 'the session expired: the connection stayed away longer than the reconnect grace'}],
      code: CLOSE_CODES.sessionEnded,
      reason: 'session expired',
    };
    this.setTimer('grace', EXPIRED_KEEP_MS, () => this.forget());
  }

  /** Removes the container (once); resolves when it is gone. */
  remove(): Promise<void> {
    if (this.removal) return this.removal;
    const container = this.container;
    if (!container) {
      // A start in flight removes its own container when it lands (see run()).
      this.removal = (this.startPromise ?? Promise.resolve()).then(() => this.container?.remove().catch(() => {}));
      return this.removal;
    }
    this.removal = container.remove().catch((error: unknown) => {
      this.log('warn', 'container removal failed', {error: String(error), container: container.id});
    });
    return this.removal;
  }

  /** Server shutdown: close the socket with 1001 and remove the container. */
  async shutdown(): Promise<void> {
    if (this.stateValue !== 'ended') {
      this.endReason ??= 'killed';
      this.abort?.abort();
      this.stateValue = 'ended';
      for (const name of [...this.timers.keys()]) this.clearTimer(name);
      this.discardOutput();
      this.peer?.close(CLOSE_CODES.goingAway, 'server shutting down');
      this.peer = undefined;
    }
    await this.remove();
    this.forget();
  }

  private sendControl(message: ServerMessage): void {
    if (this.peer?.open) this.peer.send(encodeMessage(message));
  }

  private log(level: LogLevel, message: string, details: Record<string, unknown> = {}): void {
    this.options.log?.(level, message, {session: this.id, ...details});
  }
}
