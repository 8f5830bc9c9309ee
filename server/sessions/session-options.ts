/**
 * What a session is made from and what it talks to: its options, its
 * timeouts and the client socket as it sees it. Kept apart from `session.ts`
 * so the class reads as its behaviour.
 */
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime, ContainerSpec} from '../runtime/types.js';
import type {OutputRate} from '../stream/rate.js';
import type {ResumeDetails} from './resume.js';
import type {Session} from './session.js';

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

export interface SessionOptions {
  id: string;
  spec: ContainerSpec;
  runtime: ContainerRuntime;
  clock: Clock;
  timeouts: SessionTimeouts;
  outputLimit: number;
  /** Output rate, shared by the client's sessions; none for no limit. See OutputPump. */
  outputRate?: OutputRate | undefined;
  highWaterMark: number;
  lowWaterMark: number;
  messagesPerSecond: number;
  /** Called once when the session has ended (its slot is free; the container is being removed). */
  onEnded?: (session: Session) => void;
  /** Called once when nothing more is kept for a late socket: drop the session from any map. */
  onGone?: (session: Session) => void;
  /** A socket resumed the session (after a drop or as a takeover) and got a replay. */
  onResumed?: (session: Session, replay: ResumeDetails) => void;
  /** The reconnect grace ran out; the container is being removed. */
  onExpired?: (session: Session) => void;
  log?: LogFunction;
}

/** How a socket attaches: `offset` = output bytes the client already has (a resume). */
export interface AttachOptions {
  offset?: number | undefined;
}
