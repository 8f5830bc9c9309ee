/**
 * The cluster's Prometheus series, registered on the server's registry only
 * when `server.redis` is set (a single server's /metrics stays as it was).
 */
import {Counter, Gauge, Histogram, type Registry} from 'prom-client';

// From a loopback round trip (~0.1 ms) to the command time-out (0.5 s).
const REDIS_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5];

export interface ClusterMetrics {
  /** Sessions and free capacity of every live node, from the heartbeats this gateway reads (its own included). */
  readonly nodeSessions: Gauge<'node'>;
  readonly nodeFree: Gauge<'node'>;
  readonly redisSeconds: Histogram<'op' | 'outcome'>;
  /** What this gateway did with a new session: local (took it), full (answered 503 at-capacity: the balancer tries the next node). */
  readonly placements: Counter<'decision'>;
  /** Admissions decided by this gateway's limits alone because Redis did not answer. */
  readonly fallbacks: Counter<'op'>;
  /**
   * Share viewers crossing gateways: `here`, viewer sockets on this gateway
   * of sessions other nodes hold; `relayed`, viewers on other gateways of
   * this node's sessions.
   */
  readonly crossViewers: Gauge<'side'>;
}

export function createClusterMetrics(registry: Registry): ClusterMetrics {
  const registers = [registry];
  return {
    nodeSessions: new Gauge({name: 'sandbox_cluster_node_sessions', help: 'Sessions running on each live node (from its heartbeat)', labelNames: ['node'], registers}),
    nodeFree: new Gauge({name: 'sandbox_cluster_node_free', help: 'Free capacity (maxSessions - sessions) of each live node', labelNames: ['node'], registers}),
    redisSeconds: new Histogram({
      name: 'sandbox_cluster_redis_seconds',
      help: 'Round trip of each Redis command of the cluster store',
      labelNames: ['op', 'outcome'],
      buckets: REDIS_BUCKETS,
      registers,
    }),
    placements: new Counter({name: 'sandbox_cluster_placements_total', help: 'Placement decisions for new sessions', labelNames: ['decision'], registers}),
    fallbacks: new Counter({name: 'sandbox_cluster_redis_fallbacks_total', help: 'Operations done without Redis (it did not answer): admissions on local limits only', labelNames: ['op'], registers}),
    crossViewers: new Gauge({name: 'sandbox_cluster_share_viewers', help: 'Share viewers crossing gateways over Redis: here (their session is on another node), relayed (this node\'s sessions, viewed elsewhere)', labelNames: ['side'], registers}),
  };
}
