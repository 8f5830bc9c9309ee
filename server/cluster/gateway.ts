/**
 * This server as one gateway of a cluster (`server.redis`): its membership
 * (cluster-wide limits, the session directory, heartbeats: `member.ts`) and
 * the Redis pub/sub that carries its shared terminals to viewers on other
 * gateways and theirs to it (`share-relay.ts`, `remote-viewer.ts`). Made only
 * with `server.redis`; joins in `join()`, once the instance is the server's
 * own, and without waiting for Redis: a gateway starts, and serves on its own
 * limits, while Redis is down. Disposable.
 */
import type {Registry} from 'prom-client';
import type {Clock} from '../clock.js';
import {SandboxError} from '../errors.js';
import {StartupError} from '../lifecycle/startup.js';
import type {LogFunction} from '../log.js';
import type {ViewerTicket} from '../sessions/share-registry.js';
import {ClusterMember, type ClusterHold} from './member.js';
import {createClusterMetrics, type ClusterMetrics} from './metrics.js';
import {createRedisStore, KEY_PREFIX} from './redis-store.js';
import {joinRemote, type RemoteViewer} from './remote-viewer.js';
import {createRedisShareBus, type ShareBus} from './share-bus.js';
import {ShareRelay} from './share-relay.js';
import type {ClusterStore} from './store.js';

export interface ClusterGatewayOptions {
  node: string;
  redis: string;
  limits: {maxSessionsPerClient: number; sessionsPerMinute: number};
  /** Sessions this gateway runs at most (`server.maxSessions`). */
  capacity: number;
  active: () => number;
  /** This gateway's share admission, for viewers that reach it through another gateway. */
  admitViewer: (sessionId: string, token: string) => ViewerTicket;
  /** Whether a share token is genuine for the session (checked where the viewer lands, before Redis is asked). */
  verifyShare: (token: string, sessionId: string) => boolean;
  /** The server is shutting down: stop retrying the subscription. */
  closing: () => boolean;
  registry: Registry;
  clock: Clock;
  log: LogFunction;
}

/** How long a gateway waits before it subscribes again when Redis refused. */
const SUBSCRIBE_RETRY_MS = 1_000;
const NO_HOLD: ClusterHold = {session: () => {}, release: () => {}};

export class ClusterGateway {
  readonly #options: ClusterGatewayOptions;
  readonly #metrics: ClusterMetrics;
  #member: ClusterMember | undefined;
  #remote: {store: ClusterStore; bus: ShareBus; relay: ShareRelay} | undefined;

  constructor(options: ClusterGatewayOptions) {
    this.#options = options;
    this.#metrics = createClusterMetrics(options.registry);
  }

  /** For session creation (`open-session.ts`): the limits held across all gateways, and where sessions were placed. */
  readonly admission = {
    // Before join() (the instance not yet ours) nothing is admitted here anyway: the gate is still closed.
    admit: async (client: string): Promise<ClusterHold> => (this.#member ? this.#member.admit(client) : NO_HOLD),
    placed: (decision: 'local' | 'full'): void => {
      this.#metrics.placements.inc({decision});
    },
  };

  /** Joins the cluster. Throws StartupError `redis-client-missing` when the Redis client package is not installed. */
  async join(): Promise<void> {
    const {node, redis, clock, log} = this.#options;
    const store = await createRedisStore({
      url: redis,
      observe: (op, seconds, failed) => this.#metrics.redisSeconds.observe({op, outcome: failed ? 'error' : 'ok'}, seconds),
    }).catch((error: unknown) => {
      throw new StartupError('redis-client-missing', `server.redis needs the ioredis package (npm install ioredis): ${error instanceof Error ? error.message : String(error)}`, {cause: error});
    });
    this.#member = new ClusterMember({
      node,
      store,
      limits: this.#options.limits,
      capacity: this.#options.capacity,
      active: this.#options.active,
      clock,
      log,
      metrics: this.#metrics,
    });
    this.#member.start();
    const bus = await createRedisShareBus({url: redis});
    const relay = new ShareRelay({
      bus,
      prefix: KEY_PREFIX,
      node,
      admit: this.#options.admitViewer,
      clock,
      log,
      onSize: (size) => this.#metrics.crossViewers.set({side: 'relayed'}, size),
    });
    this.#remote = {store, bus, relay};
    // Not awaited: the subscription is retried until it holds.
    const subscribe = (): void => {
      relay.start().catch(() => {
        if (!this.#options.closing()) clock.setTimeout(subscribe, SUBSCRIBE_RETRY_MS);
      });
    };
    subscribe();
  }

  /** A share viewer whose session runs on another gateway: joined through Redis to its owner. */
  async remoteViewer(sessionId: string, token: string): Promise<RemoteViewer> {
    if (!this.#remote) throw new SandboxError('node-unreachable', 'this gateway has not joined its cluster yet; try again shortly', {expose: true, retryAfter: 5});
    const {store, bus} = this.#remote;
    const viewer = await joinRemote(
      {
        bus,
        prefix: KEY_PREFIX,
        node: this.#options.node,
        verify: this.#options.verifyShare,
        locate: (session) => store.locate(session),
        clock: this.#options.clock,
        onClosed: () => this.#metrics.crossViewers.dec({side: 'here'}),
      },
      sessionId,
      token,
    );
    this.#metrics.crossViewers.inc({side: 'here'});
    return viewer;
  }

  /** Leaves the cluster: the relay, its bus, then the membership (its heartbeat and leases). */
  async dispose(): Promise<void> {
    await this.#remote?.relay.dispose();
    await this.#remote?.bus.close();
    await this.#member?.dispose();
  }
}
