/**
 * One reader's run: a state machine (its phases and their legal steps are in
 * `phase.ts`) around one container (`container-slot.ts`) and at most one
 * client socket at a time (`peer-link.ts`). The time limits (`deadlines.ts`)
 * and the output cap end it with their `reason`; the `exit` message is sent
 * once the container's output has drained to the socket. A socket that drops
 * without a deliberate close (1000) may come back within the reconnect grace
 * and resume (`resume.ts`); after it, a late resume is told "expired" (4004)
 * for EXPIRED_KEEP_MS.
 */
import {CLOSE_CODES, type ExitReason} from '../../protocol/index.js';
import type {LogLevel} from '../log.js';
import type {ContainerExit, SandboxContainer} from '../runtime/types.js';
import {OutputPump} from '../stream/pump.js';
import {ContainerSlot} from './container-slot.js';
import {ControlChannel} from './control.js';
import {SessionDeadlines} from './deadlines.js';
import {TerminalInput} from './input.js';
import {deliver, EXPIRED_WORDS, exitWords, failureWords, SHUTDOWN_WORDS} from './outcome.js';
import {PeerLink} from './peer-link.js';
import {IllegalTransitionError, isLegalTransition, isLive, publicStateOf, TIMER_OWNERS, type Phase, type PhaseName, type SessionState, type TimerPurpose} from './phase.js';
import type {AttachOptions, SessionOptionsOf, SessionPeer} from './session-types.js';
import type {InputSource} from './input.js';
import {ShareSide} from './share-side.js';
import {PhaseTimers} from './timers.js';

export type {SessionState} from './phase.js';
export type {ResumeDetails} from './resume.js';
export type {AttachOptions, SessionAudience, SessionPeer, SessionTimeouts} from './session-types.js';

/** What a session is made from (see SessionOptionsOf). */
export type SessionOptions = SessionOptionsOf<Session>;

/** How long an expired session still answers a late resume with "expired" (a few hundred bytes each). */
export const EXPIRED_KEEP_MS = 5 * 60_000;

export class Session {
  readonly id: string;
  /** The manifest block it runs, if any. */
  readonly block: string | undefined;
  private phaseValue: Phase;
  private readonly options: Omit<SessionOptions, 'spec'>;
  private readonly envName: string;
  private readonly interactive: boolean;
  private readonly pump: OutputPump;
  private readonly container: ContainerSlot;
  private readonly link: PeerLink;
  private readonly timers: PhaseTimers<TimerPurpose, PhaseName>;
  private readonly control: ControlChannel;
  private readonly input = new TerminalInput<InputSource>((source) => source === this.link.current || this.shareSide.holds(source));
  /** The session as its shares see it, and what it tells their viewers (`share-side.ts`). */
  readonly shareSide: ShareSide;
  /** Why the session ends, when we (or the client) caused it; else the exit says. */
  private endReason: ExitReason | undefined;
  private readonly deadlines: SessionDeadlines;
  private startPromise: Promise<void> | undefined;

  constructor(init: SessionOptions) {
    const {spec, ...options} = init;
    this.options = options;
    this.phaseValue = {name: 'starting', spec, abort: new AbortController()};
    this.id = options.id;
    this.block = options.block;
    this.envName = spec.envName;
    this.interactive = spec.interactive;
    this.timers = new PhaseTimers(options.clock, TIMER_OWNERS);
    this.deadlines = new SessionDeadlines(options.clock, this.timers, options.timeouts, (reason) => this.terminate(reason));
    this.container = new ContainerSlot(options.runtime, (level, message, details) => this.log(level, message, details));
    this.pump = new OutputPump({
      highWaterMark: options.highWaterMark,
      lowWaterMark: options.lowWaterMark,
      limit: options.outputLimit,
      rate: options.outputRate,
      clock: options.clock,
      onLimit: () => this.terminate('output-limit'),
      onData: (chunk) => {
        this.deadlines.touch();
        this.shareSide.output(chunk);
      },
    });
    this.link = new PeerLink({
      pump: this.pump,
      reconnectGrace: options.timeouts.reconnectGrace,
      onReplay: (details) => {
        this.log('info', 'session resumed', {...details});
        this.options.onResumed?.(this, details);
      },
      timers: this.timers,
      onAbsent: () => this.abandon(),
    });
    this.control = new ControlChannel(options.messagesPerSecond, options.clock, {
      acknowledge: (bytes) => this.pump.acknowledge(bytes),
      resize: (cols, rows) => this.resize(cols, rows),
      interrupt: () => this.input.interrupt(),
      kill: (signal) => this.kill(signal),
      enableAcks: () => this.pump.enableAcks(),
      reply: (message) => this.link.send(message),
    });
    this.shareSide = new ShareSide({
      id: this.id,
      block: this.block,
      size: {cols: spec.cols, rows: spec.rows},
      state: () => this.state,
      live: () => isLive(this.phaseValue.name),
      recentOutput: () => this.pump.replayFrom(0).data,
      sendToOwner: (message) => this.link.send(message),
      write: (data, source) => {
        this.deadlines.touch();
        this.input.write(data, source);
      },
      interrupt: () => this.input.interrupt(),
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
    return this.link.current !== undefined;
  }

  get outputBytes(): number {
    return this.pump.bytes;
  }

  /** Whether its container came from a warm pool (see SandboxContainer.fromPool). */
  get fromPool(): boolean {
    return this.container.current?.fromPool === true;
  }

  private resize(cols: number, rows: number): void {
    this.container.resize(cols, rows);
    this.shareSide.resized(cols, rows);
  }

  /** Whether `token` is this session's current resume credential (constant-time compare). */
  acceptsResume(token: string): boolean {
    return this.link.credential.accepts(token);
  }

  /**
   * Starts the container; resolves when it runs or the session has failed. Called
   * at creation, so the client's WebSocket handshake overlaps the container start.
   */
  start(): Promise<void> {
    this.startPromise ??= this.run();
    return this.startPromise;
  }

  private async run(): Promise<void> {
    const phase = this.phaseValue;
    if (phase.name !== 'starting') return;
    this.deadlines.startLifetime();
    this.link.awaitFirst(this.options.timeouts.firstConnect);
    const {spec, abort} = phase;
    let container: SandboxContainer | undefined;
    try {
      // Undefined when the session ended meanwhile: the slot removed the unwanted container.
      container = await this.container.start(spec, abort.signal);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!container) return;
    this.transition({name: 'running'});
    if (container.preamble) this.link.setPreamble(container.preamble);
    this.container.watch({
      outputEnded: () => this.outputEnded(),
      exited: (exit) => this.exited(exit),
      lost: (error) => this.fail(error),
    });
    this.link.feedFrom(container.stream);
    this.input.connect(container.stream);
  }

  /** The one place the phase changes: checks the step, clears the timers the new phase does not own, runs its actions. */
  private transition(next: Phase): void {
    const previous = this.phaseValue;
    if (!isLegalTransition(previous.name, next.name)) {
      // A bug in this class, never a client's doing. Steps run from timers and
      // engine callbacks, where a throw would end the whole server and every
      // other reader's session with it: refuse the step and say so instead.
      this.log('error', 'illegal session transition', {session: this.id, error: new IllegalTransitionError(previous.name, next.name).message});
      return;
    }
    this.phaseValue = next;
    this.timers.enter(next.name);
    if (isLive(previous.name) && !isLive(next.name)) this.leaveLife(previous);
    this.enter(next, previous);
  }

  /** The one end path: whichever way a live session ends (exit, failure, expiry, shutdown), this runs once. */
  private leaveLife(previous: Phase): void {
    if (previous.name === 'starting') previous.abort.abort();
    this.discardOutput();
    this.input.dispose();
    void this.container.remove();
  }

  private enter(phase: Phase, previous: Phase): void {
    const {timeouts} = this.options;
    const forget = () => this.transition({name: 'gone'});
    switch (phase.name) {
      case 'running':
        this.link.send({type: 'status', state: 'running'});
        this.deadlines.startRunning(this.interactive);
        break;
      case 'draining':
        this.deadlines.startDrainFallback(() => !this.link.current || this.pump.paused, () => this.finish(phase.exit));
        break;
      case 'ended': {
        this.log('info', 'session ended', {reason: phase.final.reason, env: this.envName, outputBytes: this.pump.bytes});
        this.shareSide.close(phase.final);
        const peer = this.link.take();
        if (peer) deliver(peer, phase.final);
        // Else keep the result for a socket that arrives late (e.g. the start
        // failed before the client connected), for the reconnect grace at most.
        else this.timers.set('late-socket', timeouts.reconnectGrace, forget);
        this.options.onEnded?.(this);
        if (peer) forget();
        break;
      }
      case 'expired':
        this.shareSide.close(EXPIRED_WORDS);
        this.pump.releaseReplay();
        this.log('info', 'session expired', {graceMs: timeouts.reconnectGrace});
        this.options.onExpired?.(this);
        this.options.onEnded?.(this);
        this.timers.set('expired-keep', EXPIRED_KEEP_MS, forget);
        break;
      case 'stopping':
        this.shareSide.close(SHUTDOWN_WORDS);
        this.link.take()?.close(CLOSE_CODES.goingAway, 'server shutting down');
        break;
      case 'gone':
        // Idempotent: only a path that skipped the phases above still has viewers here.
        this.shareSide.close(SHUTDOWN_WORDS);
        this.link.credential.revoke();
        this.pump.releaseReplay();
        if (previous.name === 'stopping') this.options.onEnded?.(this);
        this.options.onGone?.(this);
        break;
    }
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
      if (phase.name === 'ended' && options.offset !== undefined && this.pump.bytes > 0) this.link.replay(peer, options.offset);
      deliver(peer, phase.name === 'ended' ? phase.final : EXPIRED_WORDS);
      return;
    }
    if (!isLive(phase.name)) {
      peer.close(CLOSE_CODES.sessionEnded, 'session ended');
      return;
    }
    this.link.connect(peer, publicStateOf(phase.name) === 'starting' ? 'starting' : 'running', options.offset);
    this.shareSide.ownerAttached();
  }

  /**
   * The client socket closed. A deliberate close (1000 from the client) ends
   * the session at once; any other drop leaves it `reconnectGrace` to come back.
   */
  detach(peer: SessionPeer, code?: number): void {
    if (!this.link.disconnect(peer, code) || !isLive(this.phaseValue.name)) return;
    if (code === CLOSE_CODES.normal) {
      this.log('info', 'client closed the session');
      this.terminate('killed');
      return;
    }
    this.link.awaitReturn(this.options.timeouts.reconnectGrace);
  }

  /** A frame from the client: binary is terminal input, text is a control message. */
  receive(data: Buffer, isBinary: boolean, peer: SessionPeer): void {
    if (peer !== this.link.current || !isLive(this.phaseValue.name)) return;
    if (isBinary) {
      this.deadlines.touch();
      this.input.write(data, peer);
      return;
    }
    this.control.receive(data.toString('utf8'));
  }

  private kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    // Still starting: nothing to signal yet, so the request ends the session.
    if (!this.container.current) return this.terminate('killed');
    this.endReason ??= 'killed';
    this.container.kill(signal, (error) => this.log('warn', 'kill failed', {error: String(error)}));
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
    // A container already gone fails the kill: its exit (or the drain fallback) ends the session.
    this.container.kill('SIGKILL');
    // An end we caused must not wait for output the client never reads.
    if (phase.name === 'draining') this.finish(phase.exit);
    else if (phase.name === 'running') this.transition({name: 'exiting'});
  }

  /** Stops forwarding; the container's output flows into nothing (see ContainerSlot.letOutputFlow). */
  private discardOutput(): void {
    this.pump.dispose();
    this.container.letOutputFlow();
  }

  private finish(exit: ContainerExit): void {
    this.transition({name: 'ended', final: exitWords(exit, this.endReason)});
  }

  /** The start or the container failed: an `error` message with a stable code, then close. */
  private fail(error: unknown): void {
    if (!isLive(this.phaseValue.name)) return;
    const {words, level} = failureWords(error);
    this.log(level, 'session failed', {error: String(error), code: words.reason});
    this.transition({name: 'ended', final: words});
  }

  /**
   * No socket came back within the grace period: remove everything and free
   * the slot. A late resume is still told "expired" (not a bare 401) for
   * EXPIRED_KEEP_MS, so the reader sees why.
   */
  private abandon(): void {
    this.transition({name: 'expired'});
  }

  /** Running with no socket because the reader's page went away (1001), not because the network dropped. */
  get pageLeft(): boolean {
    return isLive(this.phaseValue.name) && this.link.pageLeft;
  }

  /** Ends a session whose page went away, as if its reconnect grace had run out; false when it is not one. */
  endLeftPage(): boolean {
    if (!this.pageLeft) return false;
    this.abandon();
    return true;
  }

  /** Server shutdown: close the socket with 1001 and remove the container. Idempotent. */
  async shutdown(): Promise<void> {
    if (isLive(this.phaseValue.name)) this.transition({name: 'stopping'});
    await this.container.remove();
    if (this.phaseValue.name !== 'gone') this.transition({name: 'gone'});
  }

  private log(level: LogLevel, message: string, details: Record<string, unknown> = {}): void {
    this.options.log?.(level, message, {session: this.id, ...details});
  }
}
