/**
 * The one client socket a session talks to at a time. Connecting a socket
 * closes the previous one with 4001 (replaced), tells the new one the state
 * and a fresh resume credential, and replays what it missed before live
 * output flows to it.
 */
import type {Readable} from 'node:stream';
import {CLOSE_CODES, encodeMessage, type ServerMessage} from '../../protocol/index.js';
import type {OutputPump} from '../stream/pump.js';
import type {PhaseName, TimerPurpose} from './phase.js';
import {replayMissed, ResumeCredential, type ResumeDetails} from './resume.js';
import type {SessionPeer} from './session-types.js';
import type {PhaseTimers} from './timers.js';

export interface PeerLinkOptions {
  pump: OutputPump;
  /** Told to the client with the credential: how long it may stay away. */
  reconnectGrace: number;
  /** A socket got a replay (a resume after a drop, or a takeover). */
  onReplay: (details: ResumeDetails) => void;
  /** Holds the `first-connect` and `reconnect-grace` timers. */
  timers: PhaseTimers<TimerPurpose, PhaseName>;
  /** No socket came (back) in time. */
  onAbsent: () => void;
}

export class PeerLink {
  readonly credential = new ResumeCredential();
  #peer: SessionPeer | undefined;
  /** The last socket closed with 1001: its page went away (a closed tab, a navigation), not the network. */
  #pageLeft = false;

  /** Messages every socket gets before the output (SandboxContainer.preamble), once the container runs. */
  #preamble: readonly ServerMessage[] = [];

  constructor(private readonly options: PeerLinkOptions) {}

  /** Sets the preamble and sends it to the socket now, if one is open. */
  setPreamble(messages: readonly ServerMessage[]): void {
    this.#preamble = messages;
    for (const message of messages) this.send(message);
  }

  get current(): SessionPeer | undefined {
    return this.#peer;
  }

  /** Makes `peer` the session's socket. `offset`: the output bytes it already has (a resume). */
  connect(peer: SessionPeer, state: 'starting' | 'running', offset: number | undefined): void {
    const {pump} = this.options;
    const previous = this.#peer;
    if (previous) {
      pump.detach(previous);
      previous.close(CLOSE_CODES.replaced, 'replaced by a new connection');
    }
    this.#peer = peer;
    this.#pageLeft = false;
    this.options.timers.clear('first-connect');
    this.options.timers.clear('reconnect-grace');
    peer.send(encodeMessage({type: 'status', state}));
    for (const message of this.#preamble) peer.send(encodeMessage(message));
    const token = this.credential.issue();
    peer.send(encodeMessage({type: 'resume-token', token, graceMs: this.options.reconnectGrace}));
    // Nothing was sent yet on a first attach (the source waits for a socket): no replay message then.
    const replayed = offset !== undefined || pump.bytes > 0 ? this.replay(peer, offset ?? 0) : [];
    pump.attach(peer, replayed);
  }

  /** No socket yet: the first must arrive within `ms` (the token's lifetime: later, no one can connect). */
  awaitFirst(ms: number): void {
    if (this.#peer) return;
    this.options.timers.clear('reconnect-grace');
    this.options.timers.set('first-connect', ms, this.options.onAbsent);
  }

  /** The socket dropped: one may come back within `ms`. */
  awaitReturn(ms: number): void {
    this.options.timers.clear('first-connect');
    this.options.timers.set('reconnect-grace', ms, this.options.onAbsent);
  }

  /** The container's output starts: it flows to the socket (if any) from now on. */
  feedFrom(stream: Readable): void {
    this.options.pump.setSource(stream);
    if (this.#peer) this.options.pump.attach(this.#peer);
  }

  /** Sends the `replay` message to `peer`; returns the bytes to send before live output. */
  replay(peer: SessionPeer, offset: number): Buffer[] {
    const {data, details} = replayMissed(this.options.pump, peer, offset);
    this.options.onReplay(details);
    return data;
  }

  /**
   * No socket now, and the last one closed because its page went away: a
   * browser closes a page's sockets with 1001 when the tab closes or navigates.
   */
  get pageLeft(): boolean {
    return this.#pageLeft && !this.#peer;
  }

  /** The socket closed (with `code`, when known); false when it was not (any more) the session's. */
  disconnect(peer: SessionPeer, code?: number): boolean {
    if (this.#peer !== peer) return false;
    this.#peer = undefined;
    this.#pageLeft = code === CLOSE_CODES.goingAway;
    this.options.pump.detach(peer);
    return true;
  }

  /** Lets go of the socket (to close it); undefined when there is none. */
  take(): SessionPeer | undefined {
    const peer = this.#peer;
    this.#peer = undefined;
    return peer;
  }

  /** A control message to the socket, if one is open. */
  send(message: ServerMessage): void {
    if (this.#peer?.open) this.#peer.send(encodeMessage(message));
  }
}
