/**
 * Prometheus metrics of one server instance (a registry per server, never the
 * global default one, so two servers in one process do not share counters).
 * Served on the admin listener at /metrics.
 */
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

export type SessionOutcome = 'exit' | 'timeout' | 'idle' | 'oom' | 'output-limit' | 'killed' | 'error';

// Buckets from a warm-pool take (a few ms) to a slow cold start under load (seconds).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

export interface SandboxMetrics {
  readonly registry: Registry;
  readonly activeSessions: Gauge<'env'>;
  readonly sessions: Counter<'env' | 'outcome'>;
  readonly rejections: Counter<'reason'>;
  readonly timeToFirstByte: Histogram<'env' | 'pool'>;
  readonly containerStart: Histogram<'env'>;
  readonly bytes: Counter<'direction'>;
  /**
   * Bytes relayed since the last scrape, as plain numbers: `sandbox_bytes_total`
   * takes them when collected. Every chunk of every session adds here, and a
   * labelled counter's `inc` hashes and validates its labels each time (a few
   * percent of the server's CPU with 100 typing sessions in the server bench).
   */
  readonly relayed: {in: number; out: number};
  readonly backpressurePauses: Counter;
  readonly warmPool: Gauge<'env'>;
  /** Shares created, by mode. */
  readonly sharesCreated: Counter<'mode'>;
  /** Viewers connected through shares now, by mode. */
  readonly shareViewers: Gauge<'mode'>;
  /** Viewers sent a fresh screen because they fell behind their buffer. */
  readonly viewerResyncs: Counter;
  /** Viewers closed by the server: fell behind too long, share revoked or expired. */
  readonly viewersClosed: Counter<'reason'>;
}

export function createMetrics({defaultMetrics = true}: {defaultMetrics?: boolean} = {}): SandboxMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({register: registry, prefix: 'sandbox_process_'});
  const registers = [registry];
  const relayed = {in: 0, out: 0};
  return {
    relayed,
    registry,
    activeSessions: new Gauge({name: 'sandbox_active_sessions', help: 'Sessions running now', labelNames: ['env'], registers}),
    sessions: new Counter({
      name: 'sandbox_sessions_total',
      help: 'Sessions ended, by outcome',
      labelNames: ['env', 'outcome'],
      registers,
    }),
    rejections: new Counter({
      name: 'sandbox_rejections_total',
      help: 'Session requests or upgrades refused, by error code',
      labelNames: ['reason'],
      registers,
    }),
    timeToFirstByte: new Histogram({
      name: 'sandbox_time_to_first_byte_seconds',
      help: 'From POST /api/sessions to the first output byte sent to the client',
      labelNames: ['env', 'pool'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    containerStart: new Histogram({
      name: 'sandbox_container_start_seconds',
      help: 'Docker create + attach + start of a sandbox container',
      labelNames: ['env'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    bytes: new Counter({
      name: 'sandbox_bytes_total',
      help: 'Terminal bytes relayed (in: from clients, out: to clients)',
      labelNames: ['direction'],
      registers,
      collect() {
        for (const direction of ['in', 'out'] as const) {
          // Always touched, so both series exist from the first scrape on.
          this.inc({direction}, relayed[direction]);
          relayed[direction] = 0;
        }
      },
    }),
    backpressurePauses: new Counter({
      name: 'sandbox_backpressure_pauses_total',
      help: 'Times a container output stream was paused because a client fell behind',
      registers,
    }),
    warmPool: new Gauge({name: 'sandbox_warm_pool_size', help: 'Warm containers ready, by environment', labelNames: ['env'], registers}),
    sharesCreated: new Counter({name: 'sandbox_shares_created_total', help: 'Shares of sessions created, by mode', labelNames: ['mode'], registers}),
    shareViewers: new Gauge({name: 'sandbox_share_viewers', help: 'Viewers connected through shares now, by mode', labelNames: ['mode'], registers}),
    viewerResyncs: new Counter({
      name: 'sandbox_share_viewer_resyncs_total',
      help: 'Viewers sent a fresh screen snapshot because they fell behind their bounded buffer',
      registers,
    }),
    viewersClosed: new Counter({
      name: 'sandbox_share_viewers_closed_total',
      help: 'Viewers closed by the server (behind: stayed behind too long; revoked; expired)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

/** The share meter (sessions/shares.ts) over these metrics. */
export function shareMeter(metrics: SandboxMetrics): {
  created(mode: string): void;
  viewerJoined(mode: string): void;
  viewerLeft(mode: string): void;
  resynced(): void;
  cut(reason: string): void;
} {
  return {
    created: (mode) => metrics.sharesCreated.inc({mode}),
    viewerJoined: (mode) => metrics.shareViewers.inc({mode}),
    viewerLeft: (mode) => metrics.shareViewers.dec({mode}),
    resynced: () => metrics.viewerResyncs.inc(),
    cut: (reason) => metrics.viewersClosed.inc({reason}),
  };
}
