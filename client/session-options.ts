/** What a `SandboxSession` is given: where the server is, what to run, where output and status go, and its seams. */
import type {CaughtUpStep, CreateSessionRequest, EnvironmentInfo, ErrorCode} from '../protocol/index.js';
import type {BackoffOptions} from './backoff.js';
import type {FetchLike} from './create-session.js';
import type {SocketFactory} from './socket.js';
import type {ClientErrorCode, SandboxStatus} from './status.js';
import type {Timers} from './timers.js';

export interface SessionOptions {
  /** The plugin's `serverUrl`; '' or undefined = the page's origin under `baseUrl`. */
  serverUrl?: string;
  pageOrigin: string;
  /** The site's base path (Docusaurus `baseUrl`, default '/'): without a `serverUrl` the API is at `<baseUrl>api/…`. */
  baseUrl?: string;
  request: CreateSessionRequest;
  /** Program output; call `processed` once the terminal has parsed it (flow-control acks). */
  onOutput(data: Uint8Array, processed: () => void): void;
  onStatus(status: SandboxStatus): void;
  /**
   * The POST was refused with `code`: a request to send instead, once, or
   * undefined to report the refusal (a page session's step whose environment
   * the server no longer has starts a fresh one).
   */
  retryRequest?(code: ErrorCode | ClientErrorCode, request: CreateSessionRequest): CreateSessionRequest | undefined;
  /** A page session's step: the environment the POST answered it runs in. */
  onEnvironment?(environment: EnvironmentInfo): void;
  /** A page session's step started with catch-up: the earlier steps that ran first (on every attach). */
  onCatchUp?(steps: CaughtUpStep[]): void;
  /** A resume could not replay everything that was missed: clear the terminal, the kept tail follows. */
  onReplayTruncated?(): void;
  /** A shared session's presence changed: `viewers` watch through shares, `controllers` of them may type. */
  onPresence?(viewers: number, controllers: number): void;
  /** The operator's bearer token for the POST (jwt auth mode); undefined sends none. */
  getAuthToken?: () => Promise<string | undefined>;
  fetch?: FetchLike;
  /** Where hints for the site's owner go (a backend that is missing or refuses this origin); default `console.warn`. */
  warn?: (message: string) => void;
  createSocket?: SocketFactory;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  backoff?: BackoffOptions;
  maxReconnectAttempts?: number;
  /** Time between SIGTERM and SIGKILL on Stop. */
  stopGraceMs?: number;
  /** Send a flow-control `ack` every this many processed output bytes (at most half the server's window). */
  ackEveryBytes?: number;
}
