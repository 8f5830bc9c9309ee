/**
 * Admission control, decided before any container exists: a global cap, a cap
 * per client address, a creation rate per client per minute and, for
 * authenticated users (jwt mode), the same two per user (`sub`), which a
 * token's claim may raise or lower. Busy is answered at once with Retry-After
 * instead of queueing (STYLE rule 8). `snapshot()` shows every counter, so
 * tests (and operators) can check they return to zero.
 */
import {SandboxError} from '../errors.js';
import type {Clock} from '../clock.js';

export interface AdmissionLimits {
  maxSessions: number;
  maxSessionsPerClient: number;
  sessionsPerMinute: number;
  /** Default cap per authenticated user; `maxSessionsPerClient` when absent. */
  maxSessionsPerUser?: number;
}

/** An authenticated user and the limits their token's claim set (absent: the server's). */
export interface AdmissionUser {
  id: string;
  limits: {maxSessions?: number; sessionsPerMinute?: number};
}

/** Every counter of the limiter; all zero when nothing runs and no window is open. */
export interface AdmissionSnapshot {
  /** Sessions holding a slot. */
  active: number;
  /** Client addresses with a running session, and their sessions together. */
  clients: number;
  clientSessions: number;
  /** Users with a running session, and their sessions together. */
  users: number;
  userSessions: number;
  /** Creation times still inside the one-minute windows (clients and users). */
  windowEntries: number;
  /** Slots held for a session until it ends (see `hold`). */
  held: number;
}

const WINDOW_MS = 60_000;
/** Beyond this many tracked clients the oldest windows are dropped (memory bound). */
const MAX_TRACKED_CLIENTS = 100_000;

/** Releases an admitted slot; calling it again does nothing. */
export type Release = () => void;

export class Admission {
  private active = 0;
  private readonly perClient = new Map<string, number>();
  private readonly perUser = new Map<string, number>();
  /** Creation times per client (`c:` keys) and per user (`u:` keys), at most the rate each. */
  private readonly recent = new Map<string, number[]>();
  /** Releases of admitted sessions, by session id, until they end. */
  private readonly held = new Map<string, Release>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly clock: Clock,
  ) {}

  get activeCount(): number {
    return this.active;
  }

  /** Throws a SandboxError (429/503 with retryAfter) or returns the slot's release. */
  admit(client: string, user?: AdmissionUser): Release {
    const now = this.clock.now();
    if (this.active >= this.limits.maxSessions) {
      throw new SandboxError('at-capacity', `the server is running its maximum of ${this.limits.maxSessions} sessions; try again shortly`, {
        retryAfter: 5,
        expose: true,
      });
    }
    const running = this.perClient.get(client) ?? 0;
    if (running >= this.limits.maxSessionsPerClient) {
      throw new SandboxError(
        'too-many-sessions',
        `you already run ${running} sessions (the limit per client); close one and try again`,
        {retryAfter: 5},
      );
    }
    const userRunning = user ? (this.perUser.get(user.id) ?? 0) : 0;
    if (user) {
      const cap = user.limits.maxSessions ?? this.limits.maxSessionsPerUser ?? this.limits.maxSessionsPerClient;
      if (userRunning >= cap) {
        throw new SandboxError('too-many-sessions', `your account already runs ${userRunning} of its ${cap} sessions; close one and try again`, {
          retryAfter: 5,
        });
      }
    }
    const clientKey = `c:${client}`;
    const clientTimes = this.window(clientKey, this.limits.sessionsPerMinute, now);
    const userKey = user ? `u:${user.id}` : undefined;
    const userTimes = userKey ? this.window(userKey, user!.limits.sessionsPerMinute ?? this.limits.sessionsPerMinute, now) : undefined;
    this.record(clientKey, clientTimes, now);
    if (userKey && userTimes) this.record(userKey, userTimes, now);
    if (this.recent.size > MAX_TRACKED_CLIENTS) this.prune(now);

    this.active += 1;
    this.perClient.set(client, running + 1);
    if (user) this.perUser.set(user.id, userRunning + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      decrement(this.perClient, client);
      if (user) decrement(this.perUser, user.id);
    };
  }

  /** The key's creation times within the window; throws 429 when `rate` is used up. */
  private window(key: string, rate: number, now: number): number[] {
    const times = (this.recent.get(key) ?? []).filter((time) => now - time < WINDOW_MS);
    if (times.length >= rate) {
      const retryAfter = times.length > 0 ? Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000)) : 60;
      this.recent.set(key, times);
      throw new SandboxError('rate-limited', `more than ${rate} sessions per minute; wait ${retryAfter} s`, {retryAfter});
    }
    return times;
  }

  private record(key: string, times: number[], now: number): void {
    times.push(now);
    this.recent.delete(key); // re-insert: the map stays ordered by last use
    this.recent.set(key, times);
  }

  /**
   * Keeps the release of session `id` until `sessionEnded(id)`: the session
   * manager holds each session's slot from its creation to its end, so
   * `snapshot().held` counts the live sessions and `dispose` frees them all.
   */
  hold(id: string, release: Release): void {
    this.held.set(id, release);
  }

  sessionEnded(id: string): void {
    const release = this.held.get(id);
    if (!release) return;
    this.held.delete(id);
    release();
  }

  snapshot(): AdmissionSnapshot {
    const sum = (map: Map<string, number>) => [...map.values()].reduce((total, count) => total + count, 0);
    let windowEntries = 0;
    const now = this.clock.now();
    for (const times of this.recent.values()) windowEntries += times.filter((time) => now - time < WINDOW_MS).length;
    return {
      active: this.active,
      clients: this.perClient.size,
      clientSessions: sum(this.perClient),
      users: this.perUser.size,
      userSessions: sum(this.perUser),
      windowEntries,
      held: this.held.size,
    };
  }

  /** Releases every held slot (shutdown). Idempotent. */
  dispose(): void {
    for (const release of this.held.values()) release();
    this.held.clear();
  }

  /** Drops windows that hold no recent creation; called on an interval and when the map grows. */
  prune(now = this.clock.now()): void {
    for (const [client, times] of this.recent) {
      if (times.length === 0 || now - times[times.length - 1]! >= WINDOW_MS) this.recent.delete(client);
    }
    while (this.recent.size > MAX_TRACKED_CLIENTS) {
      const oldest = this.recent.keys().next().value;
      if (oldest === undefined) break;
      this.recent.delete(oldest);
    }
  }

  get trackedClients(): number {
    return this.recent.size;
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left <= 0) map.delete(key);
  else map.set(key, left);
}
