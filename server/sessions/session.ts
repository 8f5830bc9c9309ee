/**
 * One reader's run: a state machine (phases and their legal steps in
 * `phase.ts`) around one container and at most one client socket at a time.
 *
 * - The container starts as soon as the session is created, so the client's
 *   WebSocket handshake overlaps the container start.
 * - Run timeout (non-interactive blocks), idle timeout, maximum lifetime and the
 *   output cap each end the session with their `reason`; OOM comes from
 *   `exited.oomKilled` (a child killed by OOM leaves exit code 0).
 * - The `exit` message is sent once the container's output has drained to the
 *   socket, then the socket is closed with 1000.
 * - A socket that drops without a deliberate close (code 1000) leaves the
 *   session running for the reconnect grace; it may come back with the resume
 *   credential and get what it missed (`resume.ts`). After the grace the
 *   container is removed and a late resume is told `session-ended`
 *   ("expired") with close 4004, for EXPIRED_KEEP_MS.
 * - A second socket takes the session over; the first is closed with 4001.
 * - Control messages: `control.ts`; terminal input: `input.ts`.
 */
import {CLOSE_CODES, encodeMessage, type ExitReason, type ServerMessage, type SignalName} from '../../protocol/index.js';
import {closeCodeOf, SandboxError, toClientError} from '../errors.js';
import type {ContainerExit, ContainerRuntime, ContainerSpec, SandboxContainer} from '../runtime/types.js';
import {OutputPump} from '../stream/pump.js';
import type {OutputRate} from '../stream/rate.js';
import type {Clock} from '../clock.js';
import type {LogFunction, LogLevel} from '../log.js';
import {ControlChannel} from './control.js';
import {TerminalInput} from './input.js';
import {assertTransition, isLive, publicStateOf, TIMER_OWNERS, type PhaseName, type SessionState, type TimerPurpose} from './phase.js';
import {replayMissed, ResumeCredential, type ResumeDetails} from './resume.js';
import {PhaseTimers} from './timers.js';

export type {SessionState} from './phase.js';
export type {ResumeDetails} from './resume.js';

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

/** After the container exits, how long to wait for its stream to end when nothing holds it back. */
const DRAIN_FALLBACK_MS = 2_000;
/** How long an expired session still answers a late resume with "expired" (a few hundred bytes each). */
export const EXPIRED_KEEP_MS = 5 * 60_000;

/** How a socket attaches: `offset` = output bytes the client already has (a resume). */
export interface AttachOptions {
  offset?: number | undefined;
}

/** The last messages of an ended session and how its socket is closed. */
interface FinalWords {
  messages: ServerMessage[];
  code: number;
  reason: string;
}

const EXPIRED_WORDS: FinalWords = {
  messages: [{type: 'error', code: 'session-ended', message: 'the session expired: the connection stayed away longer than the reconnect grace'}],
  code: CLOSE_CODES.sessionEnded,
  reason: 'session expired',
};

/** The phase with what it alone holds; `removal` settles once the container is gone. */
type Phase =
  /** `spec` (the seed files can be large) and `abort` are dropped once the start has settled. */
  | {name: 'starting'; spec: ContainerSpec; abort: AbortController}
  | {name: 'running'}
  | {name: 'exiting'}
  | {name: 'draining'; exit: ContainerExit}
  | {name: 'ended'; final: FinalWords; removal: Promise<void>}
  | {name: 'expired'; removal: Promise<void>}
  | {name: 'stopping'; removal: Promise<void>}
  | {name: 'gone'; removal: Promise<void>};

export class Session {
  readonly id: string;
  private phaseValue: Phase;
  private container: SandboxContainer | undefined;
  private peer: SessionPeer | undefined;
  private readonly pump: OutputPump;
  private readonly options: Omit<SessionOptions, 'spec'>;
  private readonly envName: string;
  private readonly interactive: boolean;
  private readonly timers: PhaseTimers<TimerPurpose, PhaseName>;
  private readonly control: ControlChannel;
  private readonly input = new TerminalInput<SessionPeer>((peer) => peer === this.peer);
  private readonly credential = new ResumeCredential();
  /** Why the session ends, when we (or the client) caused it; else the exit says. */
  private endReason: ExitReason | undefined;
  private size: {cols: number; rows: number};
  private lastActivity: number;
  private startPromise: Promise<void> | undefined;

  constructor(init: SessionOptions) {
    const {spec, ...options} = init;
    this.options = options;
    this.phaseValue = {name: 'starting', spec, abort: new AbortController()};
    this.envName = spec.envName;
    this.interactive = spec.interactive;
    this.id = options.id;
    this.size = {cols: spec.cols, rows: spec.rows};
    this.lastActivity = options.clock.now();
    this.timers = new PhaseTimers(options.clock, TIMER_OWNERS);
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
    this.control = new ControlChannel(options.messagesPerSecond, options.clock, {
      acknowledge: (bytes) => this.pump.acknowledge(bytes),
      resize: (cols, rows) => {
        this.size = {cols, rows};
        this.container?.resize(cols, rows).catch(() => {});
      },
      signal: (signal) => this.signal(signal),
      enableAcks: () => this.pump.enableAcks(),
      reply: (message) => this.sendControl(message),
    });
  }

  get state(): SessionState {
    return publicStateOf(this.phaseValue.name);
  }

  /** The internal phase (see phase.ts); `state` folds it into three. */
  get phase(): PhaseName {
    return this.phaseValue.name;
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
    return this.credential.accepts(token);
  }

  /** Starts the container; resolves when it runs or the session has failed. Call once. */
  start(): Promise<void> {
    this.startPromise ??= this.run();
    return this.startPromise;
  }

  private async run(): Promise<void> {
    const phase = this.phaseValue;
    if (phase.name !== 'starting') return;
    const {timeouts} = this.options;
    this.timers.set('lifetime', timeouts.lifetime, () => this.terminate('timeout'));
    if (!this.peer) this.awaitSocket('first-connect', timeouts.firstConnect);
    const {spec, abort} = phase;
    let container: SandboxContainer;
    try {
      container = await this.options.runtime.start(spec, {signal: abort.signal});
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.phaseValue.name !== 'starting') {
      // Ended (shutdown, abandoned) while starting: the container is not wanted.
      await container.remove().catch(() => {});
      return;
    }
    this.container = container;
    this.transition({name: 'running'});
    const stream = container.stream;
    const outputEnded = () => this.outputEnded();
    stream.on('end', outputEnded);
    stream.on('close', outputEnded);
    stream.on('error', (error) => {
      this.log('warn', 'container stream error', {error: String(error)});
      outputEnded();
    });
    this.pump.setSource(stream);
    if (this.peer) this.pump.attach(this.peer);
    if (this.size.cols !== spec.cols || this.size.rows !== spec.rows) {
      container.resize(this.size.cols, this.size.rows).catch(() => {});
    }
    this.input.connect(stream);
    container.exited.then(
      (exit) => this.exited(exit),
      (error: unknown) => this.fail(new SandboxError('sandbox-lost', 'waiting for the container failed', {cause: error})),
    );
  }

  /** The one place the phase changes: checks the step, clears the timers the new phase does not own, runs its actions. */
  private transition(next: Phase): void {
    const previous = this.phaseValue;
    assertTransition(previous.name, next.name);
    this.phaseValue = next;
    this.timers.enter(next.name);
    if (isLive(previous.name) && !isLive(next.name)) this.leaveLife(previous);
    this.enter(next, previous);
  }

  /** The one end path: whichever way a live session ends, this clean-up runs once. */
  private leaveLife(previous: Phase): void {
    if (previous.name === 'starting') previous.abort.abort();
    this.discardOutput();
    this.input.dispose();
  }

  private enter(phase: Phase, previous: Phase): void {
    const {timeouts} = this.options;
    switch (phase.name) {
      case 'running':
        this.lastActivity = this.options.clock.now();
        this.sendControl({type: 'status', state: 'running'});
        if (!this.interactive) this.timers.set('run-timeout', timeouts.run, () => this.terminate('timeout'));
        this.armIdle();
        break;
      case 'draining':
        this.armDrainFallback(phase.exit);
        break;
      case 'ended': {
        this.log('info', 'session ended', {reason: phase.final.reason, env: this.envName, outputBytes: this.pump.bytes});
        const peer = this.peer;
        this.peer = undefined;
        if (peer) {
          this.deliver(peer, phase.final);
        } else {
          // Keep the result for a socket that arrives late (e.g. the start failed
          // before the client connected), for the reconnect grace at most.
          this.timers.set('late-socket', timeouts.reconnectGrace, () => this.transition({name: 'gone', removal: phase.removal}));
        }
        this.options.onEnded?.(this);
        if (peer) this.transition({name: 'gone', removal: phase.removal});
        break;
      }
      case 'expired':
        this.pump.releaseReplay();
        this.log('info', 'session expired', {graceMs: timeouts.reconnectGrace});
        this.options.onExpired?.(this);
        this.options.onEnded?.(this);
        this.timers.set('expired-keep', EXPIRED_KEEP_MS, () => this.transition({name: 'gone', removal: phase.removal}));
        break;
      case 'stopping':
        this.peer?.close(CLOSE_CODES.goingAway, 'server shutting down');
        this.peer = undefined;
        break;
      case 'gone':
        this.credential.revoke();
        this.pump.releaseReplay();
        if (previous.name === 'stopping') this.options.onEnded?.(this);
        this.options.onGone?.(this);
        break;
    }
  }

  private armIdle(): void {
    const idle = this.options.timeouts.idle;
    const check = () => {
      const quiet = this.options.clock.now() - this.lastActivity;
      if (quiet >= idle) this.terminate('idle');
      else this.timers.set('idle', idle - quiet, check);
    };
    this.timers.set('idle', idle, check);
  }

  /**
   * The attach stream normally ends with the container; if it does not,
   * finish anyway, unless output still waits for a client that has not
   * connected yet (the socket timers bound that) or is still reading.
   */
  private armDrainFallback(exit: ContainerExit): void {
    this.timers.set('drain-fallback', DRAIN_FALLBACK_MS, () => {
      if (!this.peer || this.pump.paused) this.armDrainFallback(exit);
      else this.finish(exit);
    });
  }

  /** Waits for a socket (the first, or one coming back); none in time abandons the session. */
  private awaitSocket(purpose: 'first-connect' | 'reconnect-grace', ms: number): void {
    this.timers.clear(purpose === 'first-connect' ? 'reconnect-grace' : 'first-connect');
    this.timers.set(purpose, ms, () => this.abandon());
  }

  private outputEnded(): void {
    const phase = this.phaseValue;
    if (phase.name === 'running') this.transition({name: 'exiting'});
    else if (phase.name === 'draining') this.finish(phase.exit);
  }

  private exited(exit: ContainerExit): void {
    const phase = this.phaseValue.name;
    if (phase === 'running') this.transition({name: 'draining', exit});
    else if (phase === 'exiting') this.finish(exit);
  }

  /**
   * Connects a client socket; a previous one is closed with 4001 (replaced).
   * With `offset` (a resume) the bytes after it are replayed first.
   */
  attach(peer: SessionPeer, options: AttachOptions = {}): void {
    const phase = this.phaseValue;
    if (phase.name === 'ended' || phase.name === 'expired') {
      // Ended while the client was away: what it missed, then how it ended.
      if (phase.name === 'ended' && options.offset !== undefined && this.pump.bytes > 0) this.replay(peer, options.offset);
      this.deliver(peer, phase.name === 'ended' ? phase.final : EXPIRED_WORDS);
      return;
    }
    if (!isLive(phase.name)) {
      peer.close(CLOSE_CODES.sessionEnded, 'session ended');
      return;
    }
    const previous = this.peer;
    if (previous) {
      this.pump.detach(previous);
      previous.close(CLOSE_CODES.replaced, 'replaced by a new connection');
    }
    this.peer = peer;
    this.timers.clear('first-connect');
    this.timers.clear('reconnect-grace');
    peer.send(encodeMessage({type: 'status', state: phase.name === 'starting' ? 'starting' : 'running'}));
    const token = this.credential.issue();
    peer.send(encodeMessage({type: 'resume-token', token, graceMs: this.options.timeouts.reconnectGrace}));
    // Nothing was sent yet on a first attach (the source waits for a socket): no replay message then.
    const replayed = options.offset !== undefined || this.pump.bytes > 0 ? this.replay(peer, options.offset ?? 0) : [];
    this.pump.attach(peer, replayed);
  }

  /** Sends the `replay` message; returns the bytes to send before live output. */
  private replay(peer: SessionPeer, offset: number): Buffer[] {
    const {data, details} = replayMissed(this.pump, peer, offset);
    this.log('info', 'session resumed', {...details});
    this.options.onResumed?.(this, details);
    return data;
  }

  private deliver(peer: SessionPeer, final: FinalWords): void {
    for (const message of final.messages) peer.send(encodeMessage(message));
    peer.close(final.code, final.reason);
  }

  /**
   * The client socket closed. A deliberate close (1000 from the client) ends
   * the session at once; any other drop leaves it `reconnectGrace` to come back.
   */
  detach(peer: SessionPeer, code?: number): void {
    if (this.peer !== peer) return;
    this.peer = undefined;
    this.pump.detach(peer);
    if (!isLive(this.phaseValue.name)) return;
    if (code === CLOSE_CODES.normal) {
      this.log('info', 'client closed the session');
      this.terminate('killed');
      return;
    }
    this.awaitSocket('reconnect-grace', this.options.timeouts.reconnectGrace);
  }

  /** A frame from the client: binary is terminal input, text is a control message. */
  receive(data: Buffer, isBinary: boolean, peer: SessionPeer): void {
    if (peer !== this.peer || !isLive(this.phaseValue.name)) return;
    if (isBinary) {
      this.lastActivity = this.options.clock.now();
      this.input.write(data, peer);
      return;
    }
    this.control.receive(data.toString('utf8'));
  }

  /**
   * SIGINT writes ETX (Ctrl-C) to the TTY: the terminal's line discipline turns
   * it into SIGINT for the foreground process group, exactly as in a local
   * terminal, and a program in raw mode (an editor, a REPL) gets the key it
   * expects. SIGTERM and SIGKILL go to the container (tini forwards them).
   */
  private signal(signal: SignalName): void {
    const container = this.container;
    if (signal === 'SIGINT') {
      this.input.interrupt();
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
    const phase = this.phaseValue;
    if (!isLive(phase.name)) return;
    this.endReason ??= reason;
    if (phase.name === 'starting') {
      // Still starting: the start is aborted; report the reason without an exit code.
      this.finish({code: -1, oomKilled: false});
      return;
    }
    this.discardOutput();
    this.container?.kill('SIGKILL').catch(() => {
      // The container is already gone: its exit (or the drain fallback) ends the session.
    });
    // An end we caused must not wait for output the client never reads.
    if (phase.name === 'draining') this.finish(phase.exit);
    else if (phase.name === 'running') this.transition({name: 'exiting'});
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

  private finish(exit: ContainerExit): void {
    const reason: ExitReason = this.endReason ?? (exit.oomKilled ? 'oom' : 'exit');
    const code = exit.oomKilled && this.endReason === undefined && exit.code === 0 ? 137 : exit.code;
    this.end({messages: [{type: 'exit', code, reason}], code: CLOSE_CODES.normal, reason});
  }

  /** The start or the container failed: an `error` message with a stable code, then close. */
  private fail(error: unknown): void {
    if (!isLive(this.phaseValue.name)) return;
    const clientError = toClientError(error);
    this.log(clientError.code === 'internal' ? 'error' : 'warn', 'session failed', {error: String(error), code: clientError.code});
    this.end({messages: [{type: 'error', ...clientError}], code: closeCodeOf(error), reason: clientError.code});
  }

  private end(final: FinalWords): void {
    this.transition({name: 'ended', final, removal: this.removal()});
  }

  /**
   * No socket came back within the grace period: remove everything and free
   * the slot. A late resume is still told "expired" (not a bare 401) for
   * EXPIRED_KEEP_MS, so the reader sees why.
   */
  private abandon(): void {
    this.transition({name: 'expired', removal: this.removal()});
  }

  /** The container's removal: the one already under way, or a new one. */
  private removal(): Promise<void> {
    const phase = this.phaseValue;
    if ('removal' in phase) return phase.removal;
    const container = this.container;
    if (!container) {
      // A start in flight removes its own container when it lands (see run()).
      return (this.startPromise ?? Promise.resolve()).then(() => this.container?.remove().catch(() => {}));
    }
    return container.remove().catch((error: unknown) => {
      this.log('warn', 'container removal failed', {error: String(error), container: container.id});
    });
  }

  /** Server shutdown: close the socket with 1001 and remove the container. Idempotent. */
  async shutdown(): Promise<void> {
    if (isLive(this.phaseValue.name)) this.transition({name: 'stopping', removal: this.removal()});
    const removal = this.removal();
    await removal;
    if (this.phaseValue.name !== 'gone') this.transition({name: 'gone', removal});
  }

  private sendControl(message: ServerMessage): void {
    if (this.peer?.open) this.peer.send(encodeMessage(message));
  }

  private log(level: LogLevel, message: string, details: Record<string, unknown> = {}): void {
    this.options.log?.(level, message, {session: this.id, ...details});
  }
}
