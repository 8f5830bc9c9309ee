/**
 * The viewer's side of a shared terminal whose session lives on another
 * gateway: this gateway checks the share token (a cluster's gateways share
 * `server.tokenSecret`, so a forged token never costs the owner a message),
 * finds the owner in the session directory, asks it to admit the viewer over
 * Redis, and then carries frames both ways between the viewer's socket and
 * the owner (`share-relay.ts`). States: joining (the upgrade waits for the
 * owner's accept or refusal) → accepted (frames are queued, bounded, until the
 * socket exists) → live → closed. The viewer's socket is bounded like a local
 * viewer's: beyond VIEWER_BUFFER_BYTES unsent, output is dropped and the
 * owner is asked for a fresh screen, which is let through once the socket has
 * drained below VIEWER_RESUME_BYTES.
 */
import {randomBytes} from 'node:crypto';
import {CLOSE_CODES, type ShareMode} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {SessionPeer} from '../sessions/session-types.js';
import {VIEWER_BUFFER_BYTES, VIEWER_CUT_AFTER_MS, VIEWER_RESUME_BYTES} from '../stream/viewer.js';
import type {ShareBus} from './share-bus.js';
import {RELAY_PING_MS, RELAY_SILENCE_MS} from './share-relay.js';
import {decodeDown, downChannel, encodeJoin, encodeUp, joinChannel, upChannel, type DownFrame, type UpFrame} from './share-wire.js';

/** The upgrade waits this long for the owner's answer. */
export const JOIN_TIMEOUT_MS = 3_000;

export type RemoteViewerState = 'joining' | 'accepted' | 'live' | 'closed';

export interface RemoteViewerOptions {
  bus: ShareBus;
  prefix: string;
  /** The node holding the session. */
  owner: string;
  session: string;
  token: string;
  clock: Clock;
  /** The channels' id; random unless a test names it. */
  viewer?: string;
  joinTimeoutMs?: number;
  bufferBytes?: number;
  resumeBytes?: number;
  cutAfterMs?: number;
  /** Called once when an accepted viewer ends (for the gauge of viewers here). */
  onClosed?: () => void;
}

/** What the upgrade handler holds for the viewer's socket. */
export interface RemoteViewerHandle {
  receive(data: Buffer, isBinary: boolean): void;
  leave(): void;
}

const notAnswering = () => new SandboxError('node-unreachable', "the node holding this session does not answer; try again shortly", {expose: true, retryAfter: 5});

export class RemoteViewer implements RemoteViewerHandle {
  readonly viewer: string;
  #state: RemoteViewerState = 'joining';
  #peer: SessionPeer | undefined;
  #mode: ShareMode | undefined;
  /** Frames that came before the socket existed (bounded by bufferBytes). */
  #queue: Array<Buffer | string> = [];
  #queued = 0;
  #behindSince: number | undefined;
  #lastHeard: number;
  #timer: TimerHandle | undefined;
  #settle: {resolve: (accepted: {mode: ShareMode; share: string}) => void; reject: (error: SandboxError) => void} | undefined;

  constructor(private readonly options: RemoteViewerOptions) {
    this.viewer = options.viewer ?? randomBytes(12).toString('base64url');
    this.#lastHeard = options.clock.now();
  }

  get state(): RemoteViewerState {
    return this.#state;
  }

  get mode(): ShareMode | undefined {
    return this.#mode;
  }

  /** Asks the owner; resolves with the share once accepted, rejects with the owner's refusal or `node-unreachable`. */
  join(): Promise<{mode: ShareMode; share: string}> {
    const {bus, prefix, clock} = this.options;
    return new Promise((resolve, reject) => {
      this.#settle = {resolve, reject};
      const timeout = clock.setTimeout(() => this.fail(notAnswering()), this.options.joinTimeoutMs ?? JOIN_TIMEOUT_MS);
      const settled = this.#settle;
      this.#settle = {
        resolve: (value) => {
          clock.clearTimeout(timeout);
          settled.resolve(value);
        },
        reject: (error) => {
          clock.clearTimeout(timeout);
          settled.reject(error);
        },
      };
      bus
        .subscribe(downChannel(prefix, this.viewer), (frame) => this.fromOwner(frame))
        .then(() => bus.publish(joinChannel(prefix, this.options.owner), encodeJoin({session: this.options.session, token: this.options.token, viewer: this.viewer})))
        .catch(() => this.fail(notAnswering()));
    });
  }

  private fail(error: SandboxError): void {
    if (this.#state !== 'joining') return;
    const settle = this.#settle;
    this.dispose();
    settle?.reject(error);
  }

  /** The viewer's socket exists: what was queued goes out, then live frames. */
  attach(peer: SessionPeer): RemoteViewerHandle {
    if (this.#state !== 'accepted') {
      peer.close(CLOSE_CODES.shareRevoked, 'the share ended');
      return this;
    }
    this.#state = 'live';
    this.#peer = peer;
    const queued = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    for (const item of queued) this.forward(item);
    this.#timer = this.options.clock.setInterval(() => this.tick(), RELAY_PING_MS);
    return this;
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (this.#state !== 'live') return;
    this.up(isBinary ? {kind: 'binary', data} : {kind: 'text', text: data.toString('utf8')});
  }

  /** The viewer's socket closed (or never opened after the accept). Idempotent. */
  leave(): void {
    if (this.#state === 'closed') return;
    const wasAdmitted = this.#state !== 'joining';
    this.dispose();
    if (wasAdmitted) this.up({kind: 'leave'});
  }

  private up(frame: UpFrame): void {
    // Fire and forget: a lost input frame is lost as on a dropped socket; the owner's silence timer covers a lost leave.
    this.options.bus.publish(upChannel(this.options.prefix, this.viewer), encodeUp(frame)).catch(() => {});
  }

  private fromOwner(encoded: Buffer): void {
    const frame = decodeDown(encoded);
    if (!frame || this.#state === 'closed') return;
    this.#lastHeard = this.options.clock.now();
    if (this.#state === 'joining') {
      this.answer(frame);
      return;
    }
    switch (frame.kind) {
      case 'binary':
        this.deliver(frame.data);
        break;
      case 'text':
        this.deliver(frame.text);
        break;
      case 'close':
        if (this.#peer) this.#peer.close(frame.code, frame.reason);
        this.dispose();
        break;
      default:
        break;
    }
  }

  private answer(frame: DownFrame): void {
    if (frame.kind === 'accept') {
      this.#state = 'accepted';
      this.#mode = frame.mode;
      this.#settle?.resolve({mode: frame.mode, share: frame.share});
    } else if (frame.kind === 'refuse') {
      this.fail(new SandboxError(frame.code, frame.message, {retryAfter: frame.retryAfter}));
    }
  }

  private deliver(item: Buffer | string): void {
    if (this.#state === 'accepted') {
      const size = typeof item === 'string' ? item.length : item.length;
      if (this.#queued + size > (this.options.bufferBytes ?? VIEWER_BUFFER_BYTES)) {
        this.#queue = [];
        this.#queued = 0;
        this.fallBehind();
        return;
      }
      this.#queue.push(item);
      this.#queued += size;
      return;
    }
    this.forward(item);
  }

  /** Live: one frame to the viewer's socket, within its bound. */
  private forward(item: Buffer | string): void {
    const peer = this.#peer;
    if (!peer?.open) return;
    if (typeof item === 'string') {
      if (this.#behindSince !== undefined && isSnapshot(item)) {
        if (peer.bufferedAmount > (this.options.resumeBytes ?? VIEWER_RESUME_BYTES)) {
          // Not drained yet: ask again (the owner sends at most one fresh screen a second).
          this.up({kind: 'resync'});
          return;
        }
        this.#behindSince = undefined;
      }
      // Control messages go even while behind (few and small), as for a local viewer.
      peer.send(item);
      return;
    }
    if (this.#behindSince !== undefined) return;
    if (peer.bufferedAmount + item.length > (this.options.bufferBytes ?? VIEWER_BUFFER_BYTES)) {
      this.fallBehind();
      return;
    }
    peer.send(item);
  }

  private fallBehind(): void {
    if (this.#behindSince !== undefined) return;
    this.#behindSince = this.options.clock.now();
    this.up({kind: 'resync'});
  }

  private tick(): void {
    const now = this.options.clock.now();
    const peer = this.#peer;
    if (now - this.#lastHeard >= RELAY_SILENCE_MS) {
      peer?.close(CLOSE_CODES.internal, "the session's node stopped answering");
      this.leave();
      return;
    }
    if (this.#behindSince !== undefined && now - this.#behindSince >= (this.options.cutAfterMs ?? VIEWER_CUT_AFTER_MS)) {
      peer?.close(CLOSE_CODES.viewerBehind, 'viewer fell behind the output; reconnect for a fresh screen');
      this.leave();
      return;
    }
    this.up({kind: 'ping'});
  }

  private dispose(): void {
    if (this.#state === 'closed') return;
    if (this.#state !== 'joining') this.options.onClosed?.();
    this.#state = 'closed';
    this.#settle = undefined;
    this.#queue = [];
    this.options.clock.clearInterval(this.#timer);
    void this.options.bus.unsubscribe(downChannel(this.options.prefix, this.viewer));
  }
}

/** The owner's fresh screen starts so (its viewer feed builds `{type: 'snapshot', …}`): no parse per control message. */
const isSnapshot = (text: string): boolean => text.startsWith('{"type":"snapshot"');

export interface RemoteJoinContext {
  bus: ShareBus;
  prefix: string;
  /** This gateway's node: a session the directory places here but that is not here is unknown. */
  node: string;
  /** The share token's signature and expiry, checked here first. */
  verify: (token: string, sessionId: string) => boolean;
  /** The session directory. */
  locate: (sessionId: string) => Promise<string | undefined>;
  clock: Clock;
  /** An accepted viewer: called when it ends. */
  onClosed?: () => void;
}

/**
 * A viewer for a session held by another node, admitted by its owner. Throws
 * `unauthorized` (one answer for a bad token and an unknown session, as on a
 * single server), the owner's refusal, or `node-unreachable`.
 */
export async function joinRemote(context: RemoteJoinContext, sessionId: string, token: string): Promise<RemoteViewer> {
  const unauthorized = () => new SandboxError('unauthorized', 'a valid share token is required');
  if (!context.verify(token, sessionId)) throw unauthorized();
  let owner: string | undefined;
  try {
    owner = await context.locate(sessionId);
  } catch {
    throw notAnswering();
  }
  if (owner === undefined || owner === context.node) throw unauthorized();
  const viewer = new RemoteViewer({bus: context.bus, prefix: context.prefix, owner, session: sessionId, token, clock: context.clock, onClosed: context.onClosed});
  await viewer.join();
  return viewer;
}
