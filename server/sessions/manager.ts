/**
 * The in-memory session store: admits, creates and finds sessions, and ends
 * them all on shutdown. One instance per server (no module-level state). It
 * owns the server's one `Admission`: it is the part that knows when a session
 * ends, so every slot is freed here and nowhere else.
 */
import {randomBytes} from 'node:crypto';
import {SandboxError} from '../errors.js';
import type {ContainerRuntime, ContainerSpec} from '../runtime/types.js';
import {OutputRate} from '../stream/rate.js';
import {Admission, type AdmissionLimits, type AdmissionUser, type Release} from './admission.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import {Session, type ResumeDetails, type SessionTimeouts} from './session.js';
import type {TokenVerifier} from './tokens.js';

export interface SessionManagerOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  tokens: TokenVerifier;
  limits: AdmissionLimits;
  stream: {highWaterMark: number; lowWaterMark: number};
  messagesPerSecond: number;
  reconnectGrace: number;
  /** Token lifetime: a session nobody connects to within it is removed. */
  tokenTtl: number;
  log?: LogFunction;
}

export interface SessionRequest {
  spec: Omit<ContainerSpec, 'sessionId'>;
  timeouts: Omit<SessionTimeouts, 'reconnectGrace' | 'firstConnect'>;
  outputLimit: number;
  /** Output bytes per second (0: no limit). */
  outputRate: number;
  /** Client address, for the per-client limits. */
  client: string;
  /** The manifest block it runs, if it runs one. */
  block?: string | undefined;
}

/**
 * Hooks for metrics and limits, called synchronously; an observer
 * that throws is ignored (it must not break a session).
 */
export interface SessionObserver {
  /** Admitted and created; its container is starting. */
  created?(session: Session, request: SessionRequest): void;
  /** Ended for any reason (exit, limits, kill, failed start, expiry, shutdown): its slot is free. */
  ended?(session: Session): void;
  /** A socket came back (or took over) and was replayed what it missed. */
  resumed?(session: Session, details: ResumeDetails): void;
  /** No socket came back within the reconnect grace. */
  expired?(session: Session): void;
}

/** What the server shows of the limiter: its counters, and the release of every slot at the end of shutdown. */
export type AdmissionCounters = Pick<Admission, 'snapshot' | 'dispose'>;

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  /** Each live session's client, oldest first: whose sessions may make room for a new one (`admit`). */
  private readonly clientOf = new Map<Session, string>();
  private readonly observers = new Set<SessionObserver>();
  private readonly limiter: Admission;
  /** Sessions created and not yet ended. */
  private live = 0;
  /** One output rate per client (and rate), shared by its sessions while any is alive. */
  private readonly rates = new Map<string, {rate: OutputRate; sessions: number}>();
  private closing = false;
  // Shared by every session (each gets the session as argument), not made per session.
  private readonly onResumed = (session: Session, details: ResumeDetails) => this.notify('resumed', session, details);
  private readonly onExpired = (session: Session) => this.notify('expired', session);
  private readonly onGone = (session: Session) => {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  };

  constructor(private readonly options: SessionManagerOptions) {
    this.limiter = new Admission(options.limits, options.clock);
  }

  /** The limiter's counters (all zero when idle); admitting goes through `admit` and `create`. */
  get admission(): AdmissionCounters {
    return this.limiter;
  }

  /** Adds an observer; returns the function that removes it. */
  observe(observer: SessionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private notify<K extends keyof SessionObserver>(event: K, ...args: Parameters<NonNullable<SessionObserver[K]>>): void {
    for (const observer of this.observers) {
      try {
        (observer[event] as ((...values: typeof args) => void) | undefined)?.(...args);
      } catch (error) {
        this.options.log?.('warn', 'session observer failed', {event, error: String(error)});
      }
    }
  }

  /** Sessions holding a slot (starting or running). */
  get activeCount(): number {
    return this.live;
  }

  /** Sessions in the map, including ended ones kept for a late socket. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Takes a slot (or throws a 429/503 SandboxError) for a session `create`
   * will make: for a caller that must refuse before anything costs a Docker
   * call. Counts the client and, when authenticated, the user. Pass the
   * release to `create`, or call it when no session is made.
   */
  admit(client: string, user?: AdmissionUser): Release {
    for (;;) {
      try {
        return this.limiter.admit(client, user);
      } catch (error) {
        // A reader at the per-client cap whose tabs were closed would wait out
        // each one's reconnect grace: the oldest session whose page went away
        // makes room instead (each turn ends one, so the loop is bounded).
        if (!(error instanceof SandboxError && error.code === 'too-many-sessions') || !this.endOldestLeftPage(client)) throw error;
      }
    }
  }

  private endOldestLeftPage(client: string): boolean {
    for (const [session, owner] of this.clientOf) {
      if (owner === client && session.endLeftPage()) {
        this.options.log?.('info', 'ended a session whose page went away, to make room', {session: session.id, client});
        return true;
      }
    }
    return false;
  }

  /**
   * Creates the session and starts its container at once. Returns the session
   * and its socket token. `slot` is a release from `admit`, which the session
   * then keeps until it ends; without one the client is admitted here (or a
   * 429/503 SandboxError thrown). When this throws, the caller may still
   * release a given slot (releasing twice does nothing). `runtime`: what
   * starts its container, when not the server's (a step of a page session
   * starts in its environment).
   */
  create(request: SessionRequest, slot?: Release, options: {runtime?: Pick<ContainerRuntime, 'start'>} = {}): {session: Session; token: string} {
    if (this.closing) {
      throw new SandboxError('at-capacity', 'the server is shutting down; try again shortly', {retryAfter: 5, expose: true});
    }
    const releaseSlot = slot ?? this.admit(request.client);
    const id = randomBytes(16).toString('base64url');
    const rate = this.shareRate(request.client, request.outputRate);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.live -= 1;
      this.limiter.sessionEnded(id);
      rate?.release();
    };
    // Held by id until the session ends, so `snapshot().held` counts the live sessions.
    this.limiter.hold(id, releaseSlot);
    this.live += 1;
    let session: Session;
    try {
      session = this.newSession(id, request, rate?.rate, release, options.runtime ?? this.options.runtime);
    } catch (error) {
      release();
      throw error;
    }
    this.sessions.set(id, session);
    this.clientOf.set(session, request.client);
    this.notify('created', session, request);
    this.options.log?.('info', 'session created', {session: id, env: request.spec.envName, client: request.client});
    void session.start();
    return {session, token: this.options.tokens.issue(id)};
  }

  private newSession(id: string, request: SessionRequest, outputRate: OutputRate | undefined, release: () => void, runtime: Pick<ContainerRuntime, 'start'>): Session {
    const {spec, timeouts} = request;
    return new Session({
      id,
      block: request.block,
      // Written out, not spread: a spread plus one more key gave each session
      // its own hidden class (~0.5 KB per session for these two, measured with the server bench).
      spec: {sessionId: id, envName: spec.envName, env: spec.env, files: spec.files, cmd: spec.cmd, interactive: spec.interactive, cols: spec.cols, rows: spec.rows},
      runtime,
      clock: this.options.clock,
      timeouts: {
        run: timeouts.run,
        idle: timeouts.idle,
        lifetime: timeouts.lifetime,
        reconnectGrace: this.options.reconnectGrace,
        firstConnect: this.options.tokenTtl,
      },
      outputLimit: request.outputLimit,
      outputRate,
      highWaterMark: this.options.stream.highWaterMark,
      lowWaterMark: this.options.stream.lowWaterMark,
      messagesPerSecond: this.options.messagesPerSecond,
      log: this.options.log,
      onEnded: (ended) => {
        this.clientOf.delete(ended);
        release();
        this.notify('ended', ended);
      },
      onResumed: this.onResumed,
      onExpired: this.onExpired,
      onGone: this.onGone,
    });
  }

  /**
   * The client's shared output rate (its tabs together get `bytesPerSecond`
   * once); undefined for no limit. `release` when the session ends.
   */
  private shareRate(client: string, bytesPerSecond: number): {rate: OutputRate; release(): void} | undefined {
    if (!(bytesPerSecond > 0)) return undefined;
    const key = `${client}\0${bytesPerSecond}`;
    let entry = this.rates.get(key);
    if (!entry) {
      entry = {rate: new OutputRate(bytesPerSecond, this.options.clock), sessions: 0};
      this.rates.set(key, entry);
    }
    entry.sessions += 1;
    const shared = entry;
    let released = false;
    return {
      rate: shared.rate,
      release: () => {
        if (released) return;
        released = true;
        shared.sessions -= 1;
        if (shared.sessions === 0 && this.rates.get(key) === shared) this.rates.delete(key);
      },
    };
  }

  /** Output rates held for clients with live sessions (bounded by the sessions). */
  get rateCount(): number {
    return this.rates.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  verifyToken(token: string, id: string): boolean {
    return this.options.tokens.verify(token, id);
  }

  /** Periodic housekeeping of the rate windows. */
  prune(): void {
    this.limiter.prune();
  }

  /** Ends every session (1001) and removes every container. Idempotent. */
  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sessions.values()].map((session) => session.shutdown()));
  }
}
