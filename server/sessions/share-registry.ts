/**
 * Every shared session's shares, one instance per server: creates a
 * session's `SessionShares` with its first share, holds the per-client rate
 * of share creations, and finds the share a viewer's token names. A session's
 * entry goes when the session ends (SessionShares.close).
 */
import type {ShareMode} from '../../protocol/index.js';
import type {Clock} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import {SessionShares, type ShareHost, type ShareMeter, type ShareRecord, type ViewerHandle} from './shares.js';
import type {SessionPeer} from './session-types.js';
import type {ShareTokens} from './share-tokens.js';

export interface ShareLimits {
  maxViewersPerSession: number;
  maxSharesPerSession: number;
  sharesPerMinute: number;
  messagesPerSecond: number;
}

export interface ShareRegistryOptions {
  tokens: ShareTokens;
  clock: Clock;
  limits: ShareLimits;
  meter?: ShareMeter | undefined;
  log?: LogFunction | undefined;
}

const WINDOW_MS = 60_000;
/** Beyond this many clients with recent creations the oldest windows are dropped (memory bound). */
const MAX_TRACKED_CLIENTS = 10_000;

/** A share a viewer may join, and how. */
export interface ViewerTicket {
  share: ShareRecord;
  join(peer: SessionPeer): ViewerHandle;
}

export class ShareRegistry {
  readonly #bySession = new Map<string, SessionShares>();
  /** Creation times per client address within the last minute. */
  readonly #recent = new Map<string, number[]>();

  constructor(private readonly options: ShareRegistryOptions) {}

  /** Sessions with shares now. */
  get size(): number {
    return this.#bySession.size;
  }

  /** Shares the session has now (0 without any). */
  sharesOf(sessionId: string): number {
    return this.#bySession.get(sessionId)?.shareCount ?? 0;
  }

  presenceOf(sessionId: string): {viewers: number; controllers: number} {
    return this.#bySession.get(sessionId)?.presence ?? {viewers: 0, controllers: 0};
  }

  /**
   * A new share of a live session, for `client` (the rate counts against it).
   * Throws `session-ended`, `rate-limited` or `too-many-shares`.
   */
  create(host: ShareHost, request: {mode: ShareMode; ttlMs: number; client: string}): ShareRecord & {token: string} {
    if (host.state === 'ended') throw new SandboxError('session-ended', 'the session has ended; nothing to share');
    const shares = this.#bySession.get(host.id);
    if (shares && shares.shareCount >= this.options.limits.maxSharesPerSession) {
      throw new SandboxError('too-many-shares', `this session has ${this.options.limits.maxSharesPerSession} live shares already; stop one first`);
    }
    this.take(request.client);
    const now = this.options.clock.now();
    return (shares ?? this.open(host)).create(request.mode, now + request.ttlMs);
  }

  private open(host: ShareHost): SessionShares {
    const {limits} = this.options;
    const shares: SessionShares = new SessionShares({
      host,
      tokens: this.options.tokens,
      clock: this.options.clock,
      maxViewers: limits.maxViewersPerSession,
      maxShares: limits.maxSharesPerSession,
      messagesPerSecond: limits.messagesPerSecond,
      meter: this.options.meter,
      log: this.options.log,
      onClosed: () => {
        if (this.#bySession.get(host.id) === shares) this.#bySession.delete(host.id);
      },
    });
    this.#bySession.set(host.id, shares);
    return shares;
  }

  /** Counts a creation for `client`; throws 429 `rate-limited` when its minute is used up. */
  private take(client: string): void {
    const now = this.options.clock.now();
    const times = (this.#recent.get(client) ?? []).filter((time) => now - time < WINDOW_MS);
    if (times.length >= this.options.limits.sharesPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      throw new SandboxError('rate-limited', `more than ${this.options.limits.sharesPerMinute} shares created in a minute; try again in ${retryAfter}s`, {retryAfter});
    }
    times.push(now);
    // Re-inserted last: the map's order is oldest activity first, so the bound drops the stalest.
    this.#recent.delete(client);
    this.#recent.set(client, times);
    if (this.#recent.size > MAX_TRACKED_CLIENTS) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /** Revokes a share of the session; throws `share-not-found` when it has no such share. */
  revoke(sessionId: string, shareId: string): void {
    if (!this.#bySession.get(sessionId)?.revoke(shareId)) throw new SandboxError('share-not-found', 'this session has no such share (it may have expired)');
  }

  /**
   * The share a viewer's token opens, checked before the upgrade; throws
   * `unauthorized` (the same for a bad, expired, revoked or foreign token and
   * an unknown session) or `too-many-viewers`.
   */
  admitViewer(sessionId: string, token: string): ViewerTicket {
    const shares = this.#bySession.get(sessionId);
    if (!shares) throw new SandboxError('unauthorized', 'a valid share token is required');
    const share = shares.admit(token);
    return {share, join: (peer) => shares.join(peer, share)};
  }

  /** Drops windows without a recent creation; called with the server's other housekeeping. */
  prune(): void {
    const now = this.options.clock.now();
    for (const [client, times] of this.#recent) if (times.every((time) => now - time >= WINDOW_MS)) this.#recent.delete(client);
  }
}
