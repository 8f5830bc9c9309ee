/**
 * What a session is made from and talks to: its options, its timeouts, the
 * client socket as it sees it and how a socket attaches. The options name the
 * session class only as a type parameter, so the session's parts (peer link,
 * deadlines) share these types without an import back to `session.ts`.
 */
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime, ContainerSpec} from '../runtime/types.js';
import type {OutputRate} from '../stream/rate.js';
import type {FinalWords} from './outcome.js';
import type {ResumeDetails} from './resume.js';

/** The client socket as a session sees it; `server/http/upgrade.ts` adapts a `ws` WebSocket. */
export interface SessionPeer {
  readonly bufferedAmount: number;
  readonly open: boolean;
  send(data: Buffer | string): void;
  close(code: number, reason: string): void;
  /** Stop/continue reading the client's frames (stdin backpressure). */
  pause(): void;
  resume(): void;
}

export interface SessionTimeouts {
  /** Run time of a non-interactive command (ms). */
  run: number;
  idle: number;
  lifetime: number;
  reconnectGrace: number;
  /** How long the first socket may take to arrive (the token's lifetime: later, no one can connect). */
  firstConnect: number;
}

/** How a socket attaches: `offset` = output bytes the client already has (a resume). */
export interface AttachOptions {
  offset?: number | undefined;
}

/** The options of a session; `Owner` is the session class (callbacks get it). */
export interface SessionOptionsOf<Owner> {
  id: string;
  /** The manifest block it runs, if it runs one (a share's link opens its page). */
  block?: string | undefined;
  spec: ContainerSpec;
  /** Only its `start` is used: a step of a page session starts in its environment instead. */
  runtime: Pick<ContainerRuntime, 'start'>;
  clock: Clock;
  timeouts: SessionTimeouts;
  outputLimit: number;
  /** Output rate, shared by the client's sessions; none for no limit. See OutputPump. */
  outputRate?: OutputRate | undefined;
  highWaterMark: number;
  lowWaterMark: number;
  messagesPerSecond: number;
  /** Called once when the session has ended (its slot is free; the container is being removed). */
  onEnded?: (session: Owner) => void;
  /** Called once when nothing more is kept for a late socket: drop the session from any map. */
  onGone?: (session: Owner) => void;
  /** A socket resumed the session (after a drop or as a takeover) and got a replay. */
  onResumed?: (session: Owner, replay: ResumeDetails) => void;
  /** The reconnect grace ran out; the container is being removed. */
  onExpired?: (session: Owner) => void;
  log?: LogFunction;
}

/**
 * Who else follows a session besides its owner's socket: the viewers of its
 * shares (`shares.ts`). The session tells it every forwarded chunk, resizes,
 * the owner's (re)attach, and its end.
 */
export interface SessionAudience {
  output(chunk: Buffer): void;
  resized(cols: number, rows: number): void;
  ownerAttached(): void;
  /** Whether `source` (a paused input source) is one of its viewers. */
  holds(source: unknown): boolean;
  /** The session ended (exit, failure, expiry, shutdown): the last words for every viewer. */
  close(words: FinalWords): void;
}
