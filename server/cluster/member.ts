/**
 * This gateway as a member of a cluster: cluster-wide admission (with a
 * local-only fallback when Redis does not answer, never a wait) and the
 * heartbeat that publishes its free capacity and renews its sessions'
 * leases and directory entries. Off the keystroke path: nothing here
 * touches a session's stream. Placement is the balancer's (a full node
 * answers 503 and nginx tries the next; see deploy/nginx/cluster.conf).
 */
import {randomUUID} from 'node:crypto';
import type {Clock, TimerHandle} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {ClusterMetrics} from './metrics.js';
import type {ClusterLimits, ClusterSlot, ClusterStore, NodeBeat} from './store.js';

/** A beat every second that lives 3 s: a node that stops beating drops out of the live nodes within 3 s. */
export const BEAT_INTERVAL_MS = 1_000;
export const BEAT_TTL_MS = 3_000;
/** A slot or directory entry not renewed for this long (its node died) expires. */
export const LEASE_MS = 15_000;

export interface ClusterHold {
  /** The session now exists: the directory maps it to this node. */
  session(id: string): void;
  /** Idempotent. */
  release(): void;
}

export interface ClusterMemberOptions {
  node: string;
  store: ClusterStore;
  limits: ClusterLimits;
  /** `server.maxSessions`. */
  capacity: number;
  /** Sessions holding a slot on this node now. */
  active: () => number;
  clock: Clock;
  log: LogFunction;
  metrics: ClusterMetrics;
}

export class ClusterMember implements AsyncDisposable {
  readonly #options: ClusterMemberOptions;
  readonly #slots = new Map<string, ClusterSlot>();
  #timer: TimerHandle | undefined;
  #disposed = false;
  #beating = false;
  /** Logged once per outage, not once per request. */
  #redisDown = false;

  constructor(options: ClusterMemberOptions) {
    this.#options = options;
  }

  /** Slots this node holds (tests and the heartbeat). */
  get slots(): number {
    return this.#slots.size;
  }

  #beatOf(): NodeBeat {
    const sessions = this.#options.active();
    const {capacity} = this.#options;
    return {node: this.#options.node, sessions, capacity, free: Math.max(0, capacity - sessions)};
  }

  #unavailable(op: string, error: unknown): void {
    this.#options.metrics.fallbacks.inc({op});
    if (this.#redisDown) return;
    this.#redisDown = true;
    this.#options.log('warn', 'redis unavailable: admitting on this gateway\'s limits only', {op, error: error instanceof Error ? error.message : String(error)});
  }

  #available(): void {
    if (!this.#redisDown) return;
    this.#redisDown = false;
    this.#options.log('info', 'redis available again: cluster-wide limits apply');
  }

  /**
   * Counts a new session against its client's limits across the cluster.
   * Refusals are the same errors the local limits give. When Redis does not
   * answer (down, or slower than the command time-out) the session is
   * admitted on this gateway's limits alone, with a warning and a metric.
   */
  async admit(client: string): Promise<ClusterHold> {
    const slot: ClusterSlot = {slot: randomUUID(), client};
    try {
      const answer = await this.#options.store.admit(slot, this.#options.limits, LEASE_MS);
      this.#available();
      if (!answer.admitted) {
        if (answer.reason === 'too-many-sessions') {
          throw new SandboxError('too-many-sessions', `you already run ${answer.running} sessions (the limit per client); close one and try again`, {retryAfter: 5});
        }
        const retryAfter = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
        throw new SandboxError('rate-limited', `more than ${this.#options.limits.sessionsPerMinute} sessions per minute; wait ${retryAfter} s`, {retryAfter});
      }
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      this.#unavailable('admit', error);
    }
    // A slot Redis never counted (it was down) is written by the beats too: once Redis answers again it counts.
    this.#slots.set(slot.slot, slot);
    let released = false;
    return {
      session: (id) => {
        slot.session = id;
        // Into the directory now, not at the next beat.
        this.beat();
      },
      release: () => {
        if (released) return;
        released = true;
        this.#slots.delete(slot.slot);
        this.#options.store.release(slot).catch((error: unknown) => this.#unavailable('release', error));
      },
    };
  }

  /** One heartbeat (skipped while the previous one is in flight); never throws. */
  beat(): void {
    if (this.#disposed || this.#beating) return;
    this.#beating = true;
    const beat = this.#beatOf();
    const {store, metrics} = this.#options;
    metrics.nodeSessions.set({node: beat.node}, beat.sessions);
    metrics.nodeFree.set({node: beat.node}, beat.free);
    store
      .beat(beat, [...this.#slots.values()], BEAT_TTL_MS, LEASE_MS)
      .then(() => store.nodes())
      .then((nodes) => {
        this.#available();
        for (const node of nodes) {
          metrics.nodeSessions.set({node: node.node}, node.sessions);
          metrics.nodeFree.set({node: node.node}, node.free);
        }
      })
      .catch((error: unknown) => this.#unavailable('beat', error))
      .finally(() => {
        this.#beating = false;
      });
  }

  start(): void {
    if (this.#timer !== undefined || this.#disposed) return;
    this.beat();
    this.#timer = this.#options.clock.setInterval(() => this.beat(), BEAT_INTERVAL_MS);
  }

  /** Stops beating (the node's entry expires within BEAT_TTL_MS) and closes the store. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#options.clock.clearInterval(this.#timer);
    await this.#options.store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
