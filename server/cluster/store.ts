/**
 * The cluster store: what the gateways of a cluster must agree on, behind one
 * small interface (real: Redis, `redis-store.ts`; a double in the unit tests).
 * Nothing here is on the path of a keystroke or its echo: a session's
 * output, input and resume never wait on it.
 */

/** A node's heartbeat: who it is and how much room it has. */
export interface NodeBeat {
  node: string;
  /** Sessions holding a slot on it now. */
  sessions: number;
  /** `server.maxSessions` of that node. */
  capacity: number;
  /** capacity − sessions (never negative). */
  free: number;
}

/** One admitted session's hold on the cluster-wide limits (a lease the owner renews). */
export interface ClusterSlot {
  /** Unique per admission. */
  slot: string;
  client: string;
  /** Set once the session exists (the directory entry). */
  session?: string | undefined;
}

export interface ClusterLimits {
  maxSessionsPerClient: number;
  sessionsPerMinute: number;
}

export type AdmitAnswer =
  | {admitted: true; running: number}
  | {admitted: false; reason: 'too-many-sessions'; running: number}
  | {admitted: false; reason: 'rate-limited'; retryAfterMs: number};

export interface ClusterStore {
  /**
   * Counts `slot` against its client's sessions running anywhere and created
   * in the last minute, atomically; refuses when either limit is reached.
   */
  admit(slot: ClusterSlot, limits: ClusterLimits, leaseMs: number): Promise<AdmitAnswer>;
  /** The slot ended: its client's count goes down and its directory entry goes. */
  release(slot: ClusterSlot): Promise<void>;
  /**
   * The node's heartbeat and the renewal of its slots' leases and directory
   * entries (also what rebuilds them after Redis lost its data).
   */
  beat(beat: NodeBeat, slots: readonly ClusterSlot[], beatTtlMs: number, leaseMs: number): Promise<void>;
  /** Nodes whose heartbeat has not expired. */
  nodes(): Promise<NodeBeat[]>;
  /** The node holding session `id`, if the directory knows it. */
  locate(id: string): Promise<string | undefined>;
  close(): Promise<void>;
}
