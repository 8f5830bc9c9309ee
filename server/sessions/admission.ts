/**
 * Admission control, decided before any container exists: a global cap, a cap
 * per client address and a creation rate per client per minute. Busy is
 * answered at once with Retry-After instead of queueing (STYLE rule 8).
 */
import {SandboxError} from '../errors.js';
import type {Clock} from './clock.js';

export interface AdmissionLimits {
  maxSessions: number;
  maxSessionsPerClient: number;
  sessionsPerMinute: number;
}

const WINDOW_MS = 60_000;
/** Beyond this many tracked clients the oldest windows are dropped (memory bound). */
const MAX_TRACKED_CLIENTS = 100_000;

/** Releases an admitted slot; calling it again does nothing. */
export type Release = () => void;

export class Admission {
  private active = 0;
  private readonly perClient = new Map<string, number>();
  /** Creation times per client, at most `sessionsPerMinute` each. */
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly clock: Clock,
  ) {}

  get activeCount(): number {
    return this.active;
  }

  /** Throws a SandboxError (429/503 with retryAfter) or returns the slot's release. */
  admit(client: string): Release {
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
    const times = (this.recent.get(client) ?? []).filter((time) => now - time < WINDOW_MS);
    if (times.length >= this.limits.sessionsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      this.recent.set(client, times);
      throw new SandboxError('rate-limited', `more than ${this.limits.sessionsPerMinute} sessions per minute; wait ${retryAfter} s`, {
        retryAfter,
      });
    }
    times.push(now);
    this.recent.delete(client); // re-insert: the map stays ordered by last use
    this.recent.set(client, times);
    if (this.recent.size > MAX_TRACKED_CLIENTS) this.prune(now);

    this.active += 1;
    this.perClient.set(client, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
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
