/**
 * Feeds the Prometheus series (`../metrics.ts`) from the seams the server
 * already has, without reaching into sessions or streams:
 *
 * - the runtime (a decorator times container starts),
 * - the session manager's structured events (`session created` / `session
 *   ended` are passed through the log callback it already takes) plus the
 *   session's public `state`, which catches ends that log nothing (abandoned),
 * - each accepted WebSocket, through the `SocketMeter` the upgrade handler
 *   reports its frames to (bytes in/out, first output byte, backpressure: the
 *   same `bufferedAmount > highWaterMark` test the output pump makes),
 * - refused requests (their JSON error body carries the code) and upgrades
 *   (the upgrade handler reports the code).
 *
 * Creations come from the manager's `created` observer; ends still come by
 * the event name `session ended` (its reason is in the log details only),
 * pinned by the ops integration test.
 */
import type {ServerResponse} from 'node:http';
import {EXIT_REASONS} from '../../protocol/index.js';
import {systemClock, type Clock, type TimerHandle} from '../clock.js';
import type {SandboxMetrics, SessionOutcome} from '../metrics.js';
import type {ContainerRuntime} from '../runtime/types.js';
import type {Session} from '../sessions/session.js';

export interface TrackedSession {
  readonly id: string;
  readonly env: string;
  readonly client: string;
  /** Epoch ms of POST /api/sessions (session creation). */
  readonly createdAt: number;
  readonly session: Session;
  firstOutputAt?: number;
  ended: boolean;
}

/**
 * What the upgrade handler reports about one session socket's frames: binary
 * frames are terminal bytes (in from the client, out to it). Called, not
 * patched in: wrapping each socket's `send` cost every session a closure and
 * an own property (memory per session).
 */
export interface SocketMeter {
  received(bytes: number): void;
  /** After each send; `bytes` is 0 for a control (text) message. */
  sent(bytes: number, bufferedAmount: number): void;
}

/** The tracker's entry for one session; it is also that session's socket meter. */
class MeteredSession implements TrackedSession, SocketMeter {
  firstOutputAt: number | undefined;
  ended = false;
  /** Above the high-water mark since the last send (one count per episode). */
  private behind = false;

  constructor(
    private readonly tracker: SessionTracker,
    readonly id: string,
    readonly env: string,
    readonly client: string,
    readonly createdAt: number,
    readonly session: Session,
  ) {}

  received(bytes: number): void {
    this.tracker.metrics.relayed.in += bytes;
  }

  sent(bytes: number, bufferedAmount: number): void {
    const {metrics, options} = this.tracker;
    if (bytes > 0) {
      metrics.relayed.out += bytes;
      if (this.firstOutputAt === undefined) {
        this.firstOutputAt = this.tracker.now();
        const pool = this.session.fromPool ? 'warm' : 'cold';
        metrics.timeToFirstByte.observe({env: this.env, pool}, (this.firstOutputAt - this.createdAt) / 1000);
      }
    }
    // The output pump pauses the container above the high-water mark and resumes below the low one.
    if (!this.behind && bufferedAmount > options.highWaterMark) {
      this.behind = true;
      metrics.backpressurePauses.inc();
    } else if (this.behind && bufferedAmount <= options.lowWaterMark) {
      this.behind = false;
    }
  }
}

export interface SessionSummary {
  id: string;
  env: string;
  client: string;
  state: string;
  createdAt: string;
  ageMs: number;
  connected: boolean;
  outputBytes: number;
}

export function outcomeOf(reason: unknown): SessionOutcome {
  return typeof reason === 'string' && (EXIT_REASONS as readonly string[]).includes(reason) ? (reason as SessionOutcome) : 'error';
}

/**
 * Only differences of its `now()` are taken, so a start is timed on the
 * monotonic clock: a wall-clock step (NTP) must not record a negative or
 * inflated start.
 */
const monotonicClock: Pick<Clock, 'now'> = {now: () => performance.now()};

/**
 * Wraps a runtime so every successful start is timed into `containerStart`.
 * Every other member is the wrapped runtime's own, looked up when read: the
 * optional methods (`close`, `startBackground`, `acquireLease`, and any the
 * seam gains later) pass through with no list here to keep in step, and one
 * the runtime lacks stays absent, as callers test with `?.`.
 */
export function meteredRuntime(runtime: ContainerRuntime, metrics: SandboxMetrics, clock: Pick<Clock, 'now'> = monotonicClock): ContainerRuntime {
  const start: ContainerRuntime['start'] = async (spec, options) => {
    const started = clock.now();
    const container = await runtime.start(spec, options);
    // A container taken from a warm pool was started earlier, by the pool: its
    // take is in the time to first byte (pool="warm"), not a container start.
    if (container.fromPool !== true) metrics.containerStart.observe({env: spec.envName}, (clock.now() - started) / 1000);
    return container;
  };
  return new Proxy(runtime, {
    get(target, property) {
      if (property === 'start') return start;
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the runtime itself: a class's methods read private fields,
      // which the proxy (as `this`) does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `{"error":{"code":"…"}}` in a small response body, or undefined. */
export function errorCodeOf(body: string): string | undefined {
  if (body.length > 8192) return undefined;
  try {
    const parsed = JSON.parse(body) as {error?: {code?: unknown}};
    return typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}

export class SessionTracker {
  private readonly tracked = new Map<string, MeteredSession>();
  private readonly sweep: TimerHandle;
  /** For a socket of a session the tracker does not know: bytes are still counted. */
  private readonly bytesOnly: SocketMeter;
  private readonly clock: Clock;

  constructor(
    readonly metrics: SandboxMetrics,
    readonly options: {highWaterMark: number; lowWaterMark: number; clock?: Clock | undefined},
  ) {
    this.clock = options.clock ?? systemClock;
    this.bytesOnly = {
      received: (bytes) => {
        metrics.relayed.in += bytes;
      },
      sent: (bytes) => {
        metrics.relayed.out += bytes;
      },
    };
    // Ends that log nothing (a session abandoned by its client) are found here.
    this.sweep = this.clock.setInterval(() => this.refresh(), 1000);
  }

  now(): number {
    return this.clock.now();
  }

  /** A session was created (and admitted): it counts as active from now. */
  created(session: Session, details: {env: string; client: string}): void {
    if (this.tracked.has(session.id)) return;
    this.tracked.set(session.id, new MeteredSession(this, session.id, details.env, details.client, this.now(), session));
    this.metrics.activeSessions.inc({env: details.env});
  }

  /** The session manager's log events, tapped for ends and their reasons. */
  onEvent(message: string, details: Record<string, unknown> | undefined): void {
    if (message !== 'session ended' || !details) return;
    const id = details.session;
    if (typeof id === 'string') this.ended(id, outcomeOf(details.reason));
  }

  private ended(id: string, outcome: SessionOutcome): void {
    const entry = this.tracked.get(id);
    if (!entry || entry.ended) return;
    entry.ended = true;
    this.tracked.delete(id);
    this.metrics.activeSessions.dec({env: entry.env});
    this.metrics.sessions.inc({env: entry.env, outcome});
  }

  /** Settles sessions that ended without an event; called every second and before each scrape. */
  refresh(): void {
    for (const entry of [...this.tracked.values()]) {
      // An abandoned session (no socket came back) ends quietly with reason killed.
      if (entry.session.state === 'ended') this.ended(entry.id, 'killed');
    }
  }

  get(id: string): TrackedSession | undefined {
    return this.tracked.get(id);
  }

  list(): SessionSummary[] {
    this.refresh();
    const now = this.now();
    return [...this.tracked.values()].map((entry) => ({
      id: entry.id,
      env: entry.env,
      client: entry.client,
      state: entry.session.state,
      createdAt: new Date(entry.createdAt).toISOString(),
      ageMs: now - entry.createdAt,
      connected: entry.session.hasPeer,
      outputBytes: entry.session.outputBytes,
    }));
  }

  /** The meter for the socket of session `id`. */
  meter(id: string): SocketMeter {
    return this.tracked.get(id) ?? this.bytesOnly;
  }

  /** Counts an upgrade refused with `code` (the code of the HTTP error the upgrade handler wrote). */
  upgradeRefused(code: string): void {
    this.metrics.rejections.inc({reason: code});
  }

  /** Counts a refused session request by the code in its JSON error body. */
  response(response: ServerResponse): void {
    const end = response.end;
    const metrics = this.metrics;
    response.end = function observedEnd(this: ServerResponse, ...args: Parameters<ServerResponse['end']>) {
      if (response.statusCode >= 400) {
        const chunk: unknown = args[0];
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
        metrics.rejections.inc({reason: errorCodeOf(text) ?? `http-${response.statusCode}`});
      }
      return end.apply(this, args);
    } as ServerResponse['end'];
  }

  /** Stops the sweep. Idempotent. */
  dispose(): void {
    this.clock.clearInterval(this.sweep);
  }
}
