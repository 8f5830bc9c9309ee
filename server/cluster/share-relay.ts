/**
 * The owner's side of a shared terminal whose viewer is on another gateway.
 * It listens for join requests on its node's channel, admits each through the
 * session's own shares (the same token, record, mode and viewer-count checks
 * as a local viewer) and joins a `RelayPeer` in the viewer's place: from there
 * the session treats it as any viewer (presence, control input, revoke 4003,
 * expiry, `exit`). The peer publishes what the viewer's socket would get,
 * after the session has sent it to its own sockets (the share's mirror feeds
 * viewers after the owner), and never waits for Redis: its `bufferedAmount`
 * is what Redis has not yet taken, so the viewer's feed (`stream/viewer.ts`)
 * drops beyond its bound and resyncs with a fresh screen, as for a slow local
 * socket. Nothing is published for a session without remote viewers.
 */
import {CLOSE_CODES} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import {SandboxError, toClientError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {ViewerTicket} from '../sessions/share-registry.js';
import type {ViewerHandle} from '../sessions/shares.js';
import type {SessionPeer} from '../sessions/session-types.js';
import type {ShareBus} from './share-bus.js';
import {decodeJoin, decodeUp, downChannel, encodeDown, joinChannel, upChannel, type DownFrame, type JoinRequest} from './share-wire.js';

/** Each side pings the other this often while a remote viewer lasts... */
export const RELAY_PING_MS = 5_000;
/** ...and gives up on it after this long without a frame (its gateway died or lost Redis). */
export const RELAY_SILENCE_MS = 15_000;

export interface ShareRelayOptions {
  bus: ShareBus;
  /** Key prefix of the channels. */
  prefix: string;
  /** This gateway's `server.node`. */
  node: string;
  /** The share registry's admission (throws `unauthorized`, `too-many-viewers`). */
  admit: (sessionId: string, token: string) => ViewerTicket;
  clock: Clock;
  log: LogFunction;
  /** The number of remote viewers changed (the gauge of relayed viewers). */
  onSize?: (size: number) => void;
}

/** A remote viewer's socket as the owner's session sees it. */
class RelayPeer implements SessionPeer {
  #inFlight = 0;
  #closed = false;

  constructor(
    private readonly relay: ShareRelay,
    readonly viewer: string,
  ) {}

  /** Bytes handed to Redis and not yet taken: the viewer feed's bound applies to them. */
  get bufferedAmount(): number {
    return this.#inFlight;
  }

  get open(): boolean {
    return !this.#closed;
  }

  publish(frame: DownFrame): void {
    const encoded = encodeDown(frame);
    this.#inFlight += encoded.length;
    this.relay.publish(this.viewer, encoded).then(
      () => {
        this.#inFlight -= encoded.length;
      },
      () => {
        this.#inFlight -= encoded.length;
        // What Redis refused never reached the viewer: a fresh screen once it takes frames again.
        this.relay.lost(this.viewer);
      },
    );
  }

  send(data: Buffer | string): void {
    if (this.#closed) return;
    this.publish(typeof data === 'string' ? {kind: 'text', text: data} : {kind: 'binary', data});
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.publish({kind: 'close', code, reason});
    this.#closed = true;
    this.relay.forget(this.viewer);
  }

  // A remote viewer's input is not paused at its socket: its gateway does not read it faster than Redis carries it.
  pause(): void {}
  resume(): void {}
}

interface Remote {
  peer: RelayPeer;
  handle: ViewerHandle;
  lastHeard: number;
}

export class ShareRelay implements AsyncDisposable {
  readonly #remotes = new Map<string, Remote>();
  #timer: TimerHandle | undefined;
  #disposed = false;

  constructor(private readonly options: ShareRelayOptions) {}

  /** Remote viewers of this node's sessions now. */
  get size(): number {
    return this.#remotes.size;
  }

  /** Listens for join requests; rejects when Redis does not take the subscription. */
  async start(): Promise<void> {
    const {bus, prefix, node, clock} = this.options;
    await bus.subscribe(joinChannel(prefix, node), (frame) => {
      const request = decodeJoin(frame);
      if (request) void this.join(request);
    });
    this.#timer = clock.setInterval(() => this.tick(), RELAY_PING_MS);
  }

  private async join(request: JoinRequest): Promise<void> {
    const {bus, prefix, clock, log} = this.options;
    if (this.#disposed || this.#remotes.has(request.viewer)) return;
    const down = downChannel(prefix, request.viewer);
    let ticket: ViewerTicket;
    try {
      ticket = this.options.admit(request.session, request.token);
    } catch (error) {
      const refused = toClientError(error instanceof SandboxError ? error : new SandboxError('internal', 'admission failed', {cause: error}));
      const retryAfter = error instanceof SandboxError ? error.retryAfter : undefined;
      await bus.publish(down, encodeDown({kind: 'refuse', code: refused.code, message: refused.message, retryAfter})).catch(() => {});
      return;
    }
    const peer = new RelayPeer(this, request.viewer);
    // Listening before the accept: the viewer's gateway sends nothing up before it has the accept.
    try {
      await bus.subscribe(upChannel(prefix, request.viewer), (frame) => this.fromViewer(request.viewer, frame));
    } catch {
      return;
    }
    if (this.#disposed) return;
    peer.publish({kind: 'accept', mode: ticket.share.mode, share: ticket.share.id});
    // Registered before the join: the join itself may close the peer (a share revoked meanwhile).
    const remote: Remote = {peer, handle: {receive: () => {}, leave: () => {}, resync: () => {}}, lastHeard: clock.now()};
    this.#remotes.set(request.viewer, remote);
    this.options.onSize?.(this.#remotes.size);
    remote.handle = ticket.join(peer);
    log('info', 'remote viewer joined', {session: request.session, share: ticket.share.id, mode: ticket.share.mode});
  }

  private fromViewer(viewer: string, encoded: Buffer): void {
    const remote = this.#remotes.get(viewer);
    const frame = decodeUp(encoded);
    if (!remote || !frame) return;
    remote.lastHeard = this.options.clock.now();
    switch (frame.kind) {
      case 'binary':
        remote.handle.receive(frame.data, true);
        break;
      case 'text':
        remote.handle.receive(Buffer.from(frame.text, 'utf8'), false);
        break;
      case 'resync':
        remote.handle.resync();
        break;
      case 'leave':
        this.forget(viewer);
        remote.handle.leave();
        break;
      case 'ping':
        break;
    }
  }

  private tick(): void {
    const now = this.options.clock.now();
    for (const [viewer, remote] of [...this.#remotes]) {
      if (now - remote.lastHeard >= RELAY_SILENCE_MS) {
        this.options.log('info', 'remote viewer silent: dropped', {viewer});
        remote.peer.close(CLOSE_CODES.goingAway, "the viewer's gateway stopped answering");
        remote.handle.leave();
      } else remote.peer.publish({kind: 'ping'});
    }
  }

  /** @internal RelayPeer: one frame to a viewer's gateway. */
  publish(viewer: string, frame: Buffer): Promise<void> {
    return this.options.bus.publish(downChannel(this.options.prefix, viewer), frame);
  }

  /** @internal RelayPeer: a frame was lost on the way. */
  lost(viewer: string): void {
    this.#remotes.get(viewer)?.handle.resync();
  }

  /** @internal RelayPeer closed, or the viewer left: stop listening for it. */
  forget(viewer: string): void {
    if (!this.#remotes.delete(viewer)) return;
    this.options.onSize?.(this.#remotes.size);
    void this.options.bus.unsubscribe(upChannel(this.options.prefix, viewer));
  }

  /** Every remote viewer is told the server goes away. Idempotent; the bus is its owner's to close. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.options.clock.clearInterval(this.#timer);
    for (const remote of [...this.#remotes.values()]) {
      remote.peer.close(CLOSE_CODES.goingAway, 'the server is shutting down');
      remote.handle.leave();
    }
    await this.options.bus.unsubscribe(joinChannel(this.options.prefix, this.options.node));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
