/**
 * The shares of one session and the viewers who joined through them. Made
 * when the session's first share is made (the headless terminal costs memory
 * and parsing only then), seeded with the output the session still keeps, and
 * ended with the session: every viewer then gets the session's last words
 * (`exit`). A revoked or expired share closes its viewers' sockets at once
 * with 4003. Viewers never pause the program: each has its own bounded feed
 * (`stream/viewer.ts`) fed by the mirror (`stream/mirror.ts`).
 */
import {CLOSE_CODES, encodeMessage, type ServerMessage, type ShareMode} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import {ScreenMirror} from '../stream/mirror.js';
import {ViewerFeed, type ViewerFeedOptions} from '../stream/viewer.js';
import {MessageRateWindow} from './message-rate.js';
import {deliver, type FinalWords} from './outcome.js';
import type {InputSource} from './input.js';
import type {SessionAudience, SessionPeer} from './session-types.js';
import type {ShareTokens} from './share-tokens.js';
import {viewerAction} from './viewer-input.js';

/** What a shared session offers its shares (Session implements it). */
export interface ShareHost {
  readonly id: string;
  /** The manifest block it runs, if any (for the share link). */
  readonly block: string | undefined;
  readonly size: {cols: number; rows: number};
  readonly state: 'starting' | 'running' | 'ended';
  /** The output the session still keeps (its replay ring): the mirror starts from it. */
  recentOutput(): Buffer[];
  sendToOwner(message: ServerMessage): void;
  /** A control viewer's keystrokes, to the program like the owner's. */
  inputFromViewer(data: Buffer, source: InputSource): void;
  interruptFromViewer(): void;
  setAudience(audience: SessionAudience | undefined): void;
}

/** Counts for /metrics; every method optional in effect (a no-op meter is fine). */
export interface ShareMeter {
  created(mode: ShareMode): void;
  viewerJoined(mode: ShareMode): void;
  viewerLeft(mode: ShareMode): void;
  resynced(): void;
  cut(reason: 'behind' | 'revoked' | 'expired'): void;
}

export interface ShareRecord {
  readonly id: string;
  readonly mode: ShareMode;
  readonly expiresAt: number;
}

interface LiveShare extends ShareRecord {
  timer: TimerHandle;
}

export interface SessionSharesOptions {
  host: ShareHost;
  tokens: ShareTokens;
  clock: Clock;
  maxViewers: number;
  maxShares: number;
  messagesPerSecond: number;
  meter?: ShareMeter | undefined;
  log?: LogFunction | undefined;
  /** The session ended (or the server stops): forget these shares. */
  onClosed: () => void;
  /** The viewer feeds' bounds, for tests. */
  feed?: Omit<ViewerFeedOptions, 'clock' | 'snapshot' | 'onResync' | 'onCut'>;
}

/** One viewer's socket, as the upgrade handler holds it. */
export interface ViewerHandle {
  receive(data: Buffer, isBinary: boolean): void;
  /** The socket closed. Idempotent. */
  leave(): void;
  /** Output was lost on the way to the viewer (a relay dropped it): a fresh screen as soon as it can take one. */
  resync(): void;
}

class Viewer implements ViewerHandle, InputSource {
  readonly feed: ViewerFeed;
  readonly errors: MessageRateWindow;
  #left = false;

  constructor(
    readonly peer: SessionPeer,
    readonly share: ShareRecord,
    private readonly owner: SessionShares,
    feedOptions: ViewerFeedOptions,
    messagesPerSecond: number,
    clock: Clock,
  ) {
    this.feed = new ViewerFeed(peer, feedOptions);
    this.errors = new MessageRateWindow(messagesPerSecond, clock);
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (!this.#left) this.owner.receive(this, data, isBinary);
  }

  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.feed.dispose();
    this.owner.left(this);
  }

  resync(): void {
    if (!this.#left) this.feed.fallBehind();
  }

  pause(): void {
    this.peer.pause();
  }

  resume(): void {
    this.peer.resume();
  }
}

export class SessionShares implements SessionAudience {
  readonly #shares = new Map<string, LiveShare>();
  readonly #viewers = new Set<Viewer>();
  readonly #mirror: ScreenMirror;
  #closed = false;

  constructor(private readonly options: SessionSharesOptions) {
    const {host} = options;
    this.#mirror = new ScreenMirror({
      cols: host.size.cols,
      rows: host.size.rows,
      onParsed: (chunk) => {
        for (const viewer of this.#viewers) viewer.feed.output(chunk);
      },
      onOverflow: () => {
        for (const viewer of this.#viewers) viewer.feed.fallBehind();
      },
    });
    for (const chunk of host.recentOutput()) this.#mirror.write(chunk);
    host.setAudience(this);
  }

  get shareCount(): number {
    return this.#shares.size;
  }

  get presence(): {viewers: number; controllers: number} {
    let controllers = 0;
    for (const viewer of this.#viewers) if (viewer.share.mode === 'control') controllers += 1;
    return {viewers: this.#viewers.size, controllers};
  }

  /** A new share; throws `too-many-shares` at the cap. */
  create(mode: ShareMode, expiresAt: number): ShareRecord & {token: string} {
    if (this.#closed) throw new SandboxError('session-ended', 'the session has ended');
    if (this.#shares.size >= this.options.maxShares) {
      throw new SandboxError('too-many-shares', `this session has ${this.options.maxShares} live shares already; stop one first`);
    }
    const {shareId, token} = this.options.tokens.issue(this.options.host.id, mode, expiresAt);
    const delay = Math.max(0, expiresAt - this.options.clock.now());
    const timer = this.options.clock.setTimeout(() => this.end(shareId, 'expired'), delay);
    this.#shares.set(shareId, {id: shareId, mode, expiresAt, timer});
    this.options.meter?.created(mode);
    this.options.log?.('info', 'share created', {session: this.options.host.id, share: shareId, mode});
    return {id: shareId, mode, expiresAt, token};
  }

  /** Revokes a share: its viewers are closed with 4003 at once. False when there is no such share. */
  revoke(shareId: string): boolean {
    return this.end(shareId, 'revoked');
  }

  private end(shareId: string, why: 'revoked' | 'expired'): boolean {
    const share = this.#shares.get(shareId);
    if (!share) return false;
    this.#shares.delete(shareId);
    this.options.clock.clearTimeout(share.timer);
    let closed = 0;
    for (const viewer of [...this.#viewers]) {
      if (viewer.share.id !== shareId) continue;
      viewer.peer.close(CLOSE_CODES.shareRevoked, why === 'revoked' ? 'the share was revoked' : 'the share expired');
      viewer.leave();
      this.options.meter?.cut(why);
      closed += 1;
    }
    this.options.log?.('info', `share ${why}`, {session: this.options.host.id, share: shareId, viewers: closed});
    return true;
  }

  /**
   * The live share a viewer's token names; throws `unauthorized` (one answer
   * for a bad, expired, revoked or foreign token) or `too-many-viewers`.
   */
  admit(token: string): ShareRecord {
    const claim = this.#closed ? undefined : this.options.tokens.verify(token, this.options.host.id);
    const share = claim ? this.#shares.get(claim.shareId) : undefined;
    if (!share || share.mode !== claim!.mode) throw new SandboxError('unauthorized', 'a valid share token is required');
    if (this.#viewers.size >= this.options.maxViewers) {
      throw new SandboxError('too-many-viewers', `this session has ${this.options.maxViewers} viewers already`, {retryAfter: 10});
    }
    return share;
  }

  /** A viewer's socket joins: the state, the current screen, then live output; everyone gets the new presence. */
  join(peer: SessionPeer, share: ShareRecord): ViewerHandle {
    const {host, clock} = this.options;
    if (this.#closed || !this.#shares.has(share.id)) {
      peer.close(CLOSE_CODES.shareRevoked, 'the share ended');
      return {receive: () => {}, leave: () => {}, resync: () => {}};
    }
    const viewer = new Viewer(
      peer,
      share,
      this,
      {
        ...this.options.feed,
        clock,
        snapshot: (withScrollback) => ({cols: this.#mirror.cols, rows: this.#mirror.rows, screen: this.#mirror.snapshot(withScrollback ? undefined : 0)}),
        onResync: () => this.options.meter?.resynced(),
        onCut: () => this.options.meter?.cut('behind'),
      },
      this.options.messagesPerSecond,
      clock,
    );
    this.#viewers.add(viewer);
    this.options.meter?.viewerJoined(share.mode);
    viewer.feed.message(encodeMessage({type: 'status', state: host.state === 'starting' ? 'starting' : 'running'}));
    this.broadcastPresence();
    // The screen of now: once the mirror has parsed what it holds (at once, unless output is pouring in).
    this.#mirror.whenCaughtUp(() => viewer.feed.start());
    return viewer;
  }

  /** @internal A viewer's frame (Viewer.receive). */
  receive(viewer: Viewer, data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    const action = viewerAction(viewer.share.mode, data, isBinary);
    switch (action.kind) {
      case 'input':
        this.options.host.inputFromViewer(data, viewer);
        break;
      case 'interrupt':
        if (viewer.errors.take() === 'allowed') this.options.host.interruptFromViewer();
        break;
      case 'ignore':
        break;
      case 'refuse':
        // One error per refused frame, within the message rate (a flood gets one `message-rate` note, then silence).
        this.replyError(viewer, action.code, action.message);
        break;
    }
  }

  private replyError(viewer: Viewer, code: Extract<ServerMessage, {type: 'error'}>['code'], message: string): void {
    const verdict = viewer.errors.take();
    if (verdict === 'allowed') viewer.feed.message(encodeMessage({type: 'error', code, message}));
    else if (verdict === 'refused-first') {
      viewer.feed.message(encodeMessage({type: 'error', code: 'message-rate', message: `more than ${viewer.errors.perSecond} refused frames per second; extra ones are dropped`}));
    }
  }

  /** @internal A viewer's socket closed (Viewer.leave). */
  left(viewer: Viewer): void {
    if (!this.#viewers.delete(viewer)) return;
    this.options.meter?.viewerLeft(viewer.share.mode);
    if (!this.#closed) this.broadcastPresence();
  }

  private broadcastPresence(): void {
    const message: ServerMessage = {type: 'presence', ...this.presence};
    this.options.host.sendToOwner(message);
    const text = encodeMessage(message);
    for (const viewer of this.#viewers) viewer.feed.message(text);
  }

  // SessionAudience: what the session tells its audience.

  output(chunk: Buffer): void {
    this.#mirror.write(chunk);
  }

  resized(cols: number, rows: number): void {
    if (this.#mirror.cols === cols && this.#mirror.rows === rows) return;
    this.#mirror.resize(cols, rows);
    const text = encodeMessage({type: 'resize', cols, rows});
    for (const viewer of this.#viewers) viewer.feed.message(text);
  }

  ownerAttached(): void {
    // A reconnected owner learns who is watching without waiting for a change.
    this.options.host.sendToOwner({type: 'presence', ...this.presence});
  }

  holds(source: unknown): boolean {
    return source instanceof Viewer && this.#viewers.has(source);
  }

  /** The session ended: every viewer gets what output is left, then the last words. Idempotent. */
  close(words: FinalWords): void {
    if (this.#closed) return;
    this.#closed = true;
    const rest = this.#mirror.takeBacklog();
    for (const viewer of [...this.#viewers]) {
      if (!viewer.feed.behind) for (const chunk of rest) viewer.peer.send(chunk);
      deliver(viewer.peer, words);
      viewer.leave();
    }
    for (const share of this.#shares.values()) this.options.clock.clearTimeout(share.timer);
    this.#shares.clear();
    this.#mirror.dispose();
    this.options.host.setAudience(undefined);
    this.options.onClosed();
  }
}
