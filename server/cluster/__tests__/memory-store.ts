/** The cluster store in memory, for unit tests: the same answers as Redis's scripts, on a ManualClock-like `now`. */
import type {AdmitAnswer, ClusterLimits, ClusterSlot, ClusterStore, NodeBeat} from '../store.js';

export class MemoryStore implements ClusterStore {
  readonly running = new Map<string, Map<string, number>>();
  readonly created = new Map<string, Map<string, number>>();
  readonly directory = new Map<string, {node: string; until: number}>();
  readonly beats = new Map<string, {beat: NodeBeat; until: number}>();
  /** When set, every call fails with it (Redis down). */
  failWith: Error | undefined;
  closed = 0;

  constructor(readonly now: () => number) {}

  #check(): void {
    if (this.failWith) throw this.failWith;
  }

  async admit(slot: ClusterSlot, limits: ClusterLimits, leaseMs: number): Promise<AdmitAnswer> {
    this.#check();
    const now = this.now();
    const running = this.running.get(slot.client) ?? new Map<string, number>();
    for (const [id, until] of running) if (until <= now) running.delete(id);
    if (running.size >= limits.maxSessionsPerClient) return {admitted: false, reason: 'too-many-sessions', running: running.size};
    const created = this.created.get(slot.client) ?? new Map<string, number>();
    for (const [id, at] of created) if (at <= now - 60_000) created.delete(id);
    if (created.size >= limits.sessionsPerMinute) return {admitted: false, reason: 'rate-limited', retryAfterMs: Math.min(...created.values()) + 60_000 - now};
    running.set(slot.slot, now + leaseMs);
    created.set(slot.slot, now);
    this.running.set(slot.client, running);
    this.created.set(slot.client, created);
    return {admitted: true, running: running.size};
  }

  async release(slot: ClusterSlot): Promise<void> {
    this.#check();
    this.running.get(slot.client)?.delete(slot.slot);
    if (slot.session) this.directory.delete(slot.session);
  }

  async beat(beat: NodeBeat, slots: readonly ClusterSlot[], beatTtlMs: number, leaseMs: number): Promise<void> {
    this.#check();
    const now = this.now();
    this.beats.set(beat.node, {beat, until: now + beatTtlMs});
    for (const slot of slots) {
      const running = this.running.get(slot.client) ?? new Map<string, number>();
      running.set(slot.slot, now + leaseMs);
      this.running.set(slot.client, running);
      if (slot.session) this.directory.set(slot.session, {node: beat.node, until: now + leaseMs});
    }
  }

  async nodes(): Promise<NodeBeat[]> {
    this.#check();
    return [...this.beats.values()].filter((entry) => entry.until > this.now()).map((entry) => entry.beat);
  }

  async locate(id: string): Promise<string | undefined> {
    this.#check();
    const entry = this.directory.get(id);
    return entry && entry.until > this.now() ? entry.node : undefined;
  }

  async close(): Promise<void> {
    this.closed += 1;
  }
}
