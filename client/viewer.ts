/**
 * A viewer of a shared session, framework-free: a WebSocket offering
 * `sandbox.share.<token>`, the screen it is sent first (`snapshot`, then the
 * screen's bytes), live output, the owner's resizes and presence. A viewer
 * that drops reconnects with backoff and gets a fresh screen (it has no
 * offsets to resume from). Disposable.
 */
import {CLOSE_CODES, shareSubprotocols, type ErrorCode, type ExitReason} from '../protocol/index.js';
import {DEFAULT_BACKOFF, type BackoffOptions} from './backoff.js';
import {ReconnectSchedule} from './reconnect.js';
import {dispatchServerFrame} from './server-frames.js';
import {browserSocketFactory, SocketHolder, type SocketFactory} from './socket.js';
import {globalTimers, type Timers} from './timers.js';
import {socketUrl} from './url.js';

/** How a viewer's connection stands: `ended` (the session is over), `revoked` (the share was stopped or expired), `lost` (no way back). */
export type ViewerState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'revoked' | 'lost';

export interface ViewerEvents {
  state(state: ViewerState): void;
  output(bytes: Uint8Array): void;
  /** Clear the screen and size it: the next output is the current screen. */
  screen(cols: number, rows: number): void;
  resize(cols: number, rows: number): void;
  presence(viewers: number, controllers: number): void;
  exit(code: number, reason: ExitReason): void;
  /** A refusal (`view-only`, `owner-only`, …) or a failure the server reported. */
  error(code: ErrorCode): void;
}

export interface ViewerOptions {
  /** The API base (see `apiBase`). */
  base: string;
  session: string;
  token: string;
  events: ViewerEvents;
  socketFactory?: SocketFactory;
  timers?: Timers;
  backoff?: BackoffOptions;
  /** Reconnect attempts after a drop before giving up (default 6, as the owner's). */
  maxAttempts?: number;
  random?: () => number;
}

/** What a viewer does when its socket closes: pure. */
export function decideViewerClose(facts: {code: number; exited: boolean; attempts: number; maxAttempts: number}): 'ended' | 'revoked' | 'reconnect' | 'lost' {
  if (facts.exited || facts.code === CLOSE_CODES.normal || facts.code === CLOSE_CODES.sessionEnded) return 'ended';
  if (facts.code === CLOSE_CODES.shareRevoked) return 'revoked';
  // A drop, a server going away, or 4008 (fell behind): a new socket gets a fresh screen.
  return facts.attempts < facts.maxAttempts ? 'reconnect' : 'lost';
}

export class ViewerSession {
  readonly #options: ViewerOptions;
  readonly #socket = new SocketHolder();
  readonly #reconnects: ReconnectSchedule;
  readonly #timers: Timers;
  #exited = false;
  #disposed = false;
  #timer: unknown;

  constructor(options: ViewerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? globalTimers;
    this.#reconnects = new ReconnectSchedule(options.backoff ?? DEFAULT_BACKOFF, options.random);
  }

  start(): void {
    if (this.#disposed) return;
    this.#options.events.state('connecting');
    this.connect();
  }

  private connect(): void {
    const {events} = this.#options;
    const url = socketUrl(this.#options.base, this.#options.session);
    const opened = this.#socket.open(this.#options.socketFactory ?? browserSocketFactory, url, shareSubprotocols(this.#options.token), {
      open: () => {
        this.#reconnects.opened();
        events.state('live');
      },
      frame: (data) =>
        dispatchServerFrame(data, {
          output: (bytes) => events.output(bytes),
          running: () => {},
          exit: (code, reason) => {
            this.#exited = true;
            events.exit(code, reason);
          },
          error: (code) => events.error(code),
          resumeToken: () => {},
          replay: () => {},
          catchUp: () => {},
          presence: (viewers, controllers) => events.presence(viewers, controllers),
          resize: (cols, rows) => events.resize(cols, rows),
          snapshot: (cols, rows) => events.screen(cols, rows),
        }),
      closed: (code) => this.closed(code),
    });
    if (!opened) this.closed(CLOSE_CODES.internal);
  }

  private closed(code: number): void {
    if (this.#disposed) return;
    const decision = decideViewerClose({code, exited: this.#exited, attempts: this.#reconnects.attempts, maxAttempts: this.#options.maxAttempts ?? 6});
    if (decision !== 'reconnect') {
      this.#options.events.state(decision);
      return;
    }
    this.#options.events.state('reconnecting');
    const {delayMs} = this.#reconnects.nextAttempt();
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#disposed) this.connect();
    }, delayMs);
  }

  /** Keystrokes (a control share's reach the program; a view share's are refused by the server). */
  send(bytes: Uint8Array): void {
    this.#socket.send(bytes);
  }

  /** Closes the socket and stops reconnecting. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#timers.clearTimeout(this.#timer);
    this.#socket.close();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
