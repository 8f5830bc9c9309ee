/**
 * Feeds the Prometheus series (`../metrics.ts`) from the seams the server
 * already has, without reaching into sessions or streams:
 *
 * - the runtime (a decorator times container starts),
 * - the session manager's structured events (`session created` / `session
 *   ended` are passed through the log callback it already takes) plus the
 *   session's public `state`, which catches ends that log nothing (abandoned),
 * - each accepted WebSocket (bytes in/out, first output byte, backpressure: the
 *   same `bufferedAmount > highWaterMark` test the output pump makes),
 * - refused requests and upgrades (their JSON error body carries the code).
 *
 * A dedicated observer interface on SessionManager would be cleaner than the
 * event names; until then the names are pinned by the ops integration test.
 */
import type {ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import type {WebSocket} from 'ws';
import {EXIT_REASONS} from '../../protocol/index.js';
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

/** Wraps a runtime so every successful start is timed into `containerStart`. */
export function meteredRuntime(runtime: ContainerRuntime, metrics: SandboxMetrics, now = () => performance.now()): ContainerRuntime {
  return {
    async start(spec, options) {
      const started = now();
      const container = await runtime.start(spec, options);
      metrics.containerStart.observe({env: spec.envName}, (now() - started) / 1000);
      return container;
    },
    engine: () => runtime.engine(),
    hasImage: (image) => runtime.hasImage(image),
    reap: (filter) => runtime.reap(filter),
  };
}

const SOCKET_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/ws(?:$|\?)/;

/** The session id in an upgrade request's path, if it is a session socket. */
export const sessionIdOfPath = (url: string | undefined): string | undefined => SOCKET_PATH.exec(url ?? '')?.[1];

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
  private readonly tracked = new Map<string, TrackedSession>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly metrics: SandboxMetrics,
    private readonly options: {highWaterMark: number; lowWaterMark: number; now?: () => number},
  ) {
    // Ends that log nothing (a session abandoned by its client) are found here.
    this.sweep = setInterval(() => this.refresh(), 1000);
    this.sweep.unref();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** A session was created (and admitted): it counts as active from now. */
  created(session: Session, details: {env: string; client: string}): void {
    if (this.tracked.has(session.id)) return;
    this.tracked.set(session.id, {id: session.id, env: details.env, client: details.client, createdAt: this.now(), session, ended: false});
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

  /**
   * Observes one accepted socket of session `id`: binary frames are terminal
   * bytes (in from the client, out to it); text frames are control messages.
   */
  socket(id: string, ws: WebSocket): void {
    const {metrics} = this;
    const entry = this.tracked.get(id);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const length = Buffer.isBuffer(data) ? data.length : Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength;
      metrics.bytes.inc({direction: 'in'}, length);
    });
    let behind = false;
    const send = ws.send;
    const {highWaterMark, lowWaterMark} = this.options;
    const now = () => this.now();
    ws.send = function observedSend(this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      const [data] = args;
      if (Buffer.isBuffer(data) && data.length > 0) {
        metrics.bytes.inc({direction: 'out'}, data.length);
        if (entry && entry.firstOutputAt === undefined) {
          entry.firstOutputAt = now();
          metrics.timeToFirstByte.observe({env: entry.env, pool: 'cold'}, (entry.firstOutputAt - entry.createdAt) / 1000);
        }
      }
      const result = send.apply(this, args);
      // The output pump pauses the container above the high-water mark and resumes below the low one.
      if (!behind && ws.bufferedAmount > highWaterMark) {
        behind = true;
        metrics.backpressurePauses.inc();
      } else if (behind && ws.bufferedAmount <= lowWaterMark) {
        behind = false;
      }
      return result;
    } as WebSocket['send'];
  }

  /** Counts a refused upgrade by the code in the HTTP error the upgrade handler writes. */
  upgradeSocket(socket: Duplex): void {
    const end = socket.end;
    const metrics = this.metrics;
    socket.end = function observedEnd(this: Duplex, ...args: Parameters<Duplex['end']>) {
      const [chunk] = args;
      if (typeof chunk === 'string' && /^HTTP\/1\.1 [45]\d\d /.test(chunk)) {
        const code = errorCodeOf(chunk.slice(chunk.indexOf('\r\n\r\n') + 4));
        metrics.rejections.inc({reason: code ?? 'http-error'});
      }
      return end.apply(this, args);
    } as Duplex['end'];
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

  dispose(): void {
    clearInterval(this.sweep);
  }
}
