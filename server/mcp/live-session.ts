/**
 * One interactive session an agent drives: the socket stays open, output is
 * kept in a bounded buffer until `read`, keystrokes go in with `send`.
 * Disposing ends the session on the server (close 1000), so its container goes
 * at once instead of after the reconnect grace.
 */
import {StringDecoder} from 'node:string_decoder';
import WebSocket from 'ws';
import {clientSubprotocols, parseServerMessage, type CreateSessionRequest, type EnvironmentRef, type ExitReason} from '../../protocol/index.js';
import {environmentOf} from '../check/create-session.js';
import type {Clock} from '../clock.js';
import type {SessionOpener} from './opener.js';

/** Unread output kept per session; older output is dropped (and counted) beyond it. */
export const MAX_UNREAD_CHARS = 256 * 1024;
/** After output starts, a read waits this long for more before it answers: a prompt rarely arrives in one frame. */
export const QUIET_MS = 150;
const CONNECT_DEADLINE_MS = 15_000;
/** Typed-ahead input kept until the program runs. */
export const MAX_PENDING_CHARS = 64 * 1024;

export type LiveState = 'starting' | 'running' | 'ended';

export interface LiveRead {
  output: string;
  /** Characters of output dropped since the last read because nobody read them in time. */
  droppedChars: number;
  state: LiveState;
  exit?: {code: number; reason: ExitReason};
  error?: {code: string; message: string};
}

export class LiveSession implements AsyncDisposable {
  private unread = '';
  private dropped = 0;
  private currentState: LiveState = 'starting';
  private exit: {code: number; reason: ExitReason} | undefined;
  private error: {code: string; message: string} | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private readonly waiters = new Set<() => void>();
  private readonly closed: Promise<void>;
  /** Keystrokes sent before the program runs wait here (bounded by the caller's input cap and MAX_PENDING_CHARS). */
  private pending = '';

  private constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    private readonly clock: Clock,
    /** A step of a page session: the environment it runs in (the server's answer named it). */
    readonly environment: EnvironmentRef | undefined,
  ) {
    // Handlers attach synchronously: a server may send its first frame together with the upgrade answer.
    socket.on('message', (data, isBinary) => (isBinary ? this.append(this.decoder.write(data as Buffer)) : this.onControl(data.toString())));
    socket.on('error', (error) => {
      this.error ??= {code: 'socket', message: error.message};
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.append(this.decoder.end());
        this.currentState = 'ended';
        this.wake();
        resolve();
      });
    });
  }

  /** Creates the session (through `opener`) and opens its socket; a refusal comes back as `{error}`. */
  static async start(
    opener: SessionOpener,
    body: CreateSessionRequest,
    options: {clock: Clock},
  ): Promise<{session: LiveSession} | {error: {code: string; message: string}}> {
    const created = await opener.open(body, CONNECT_DEADLINE_MS);
    if ('error' in created) return created;
    const socket = new WebSocket(opener.socketUrl(created.session), clientSubprotocols(created.session.token), {
      origin: opener.origin,
      ...(opener.headers ? {headers: opener.headers} : {}),
    });
    return {session: new LiveSession(created.session.id, socket, options.clock, environmentOf(created.session))};
  }

  get state(): LiveState {
    return this.currentState;
  }

  /**
   * Keystrokes as bytes (binary frames carry terminal input); typed ahead
   * while the sandbox starts, they go once it runs. False when the session is
   * over or the typed-ahead input is full.
   */
  send(text: string): boolean {
    if (this.currentState === 'ended') return false;
    if (this.currentState === 'starting' || this.socket.readyState !== WebSocket.OPEN) {
      if (this.pending.length + text.length > MAX_PENDING_CHARS) return false;
      this.pending += text;
      return true;
    }
    this.socket.send(Buffer.from(text, 'utf8'));
    return true;
  }

  /**
   * What arrived since the last read. With nothing unread, waits up to
   * `waitMs` for output (or the end); once output flows, answers after a
   * quiet gap, never later than `waitMs`.
   */
  async read(waitMs: number): Promise<LiveRead> {
    const until = this.clock.now() + waitMs;
    while (this.currentState !== 'ended' && this.clock.now() < until) {
      const left = until - this.clock.now();
      const gap = this.unread.length > 0 ? Math.min(QUIET_MS, left) : left;
      const arrived = await this.nextEvent(gap);
      if (!arrived && this.unread.length > 0) break;
    }
    const read: LiveRead = {output: this.unread, droppedChars: this.dropped, state: this.currentState};
    if (this.exit) read.exit = this.exit;
    if (this.error) read.error = this.error;
    this.unread = '';
    this.dropped = 0;
    return read;
  }

  /** Ends the session on the server; resolves once the socket is closed. Idempotent. */
  async stop(): Promise<void> {
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000, 'stopped');
    await this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private onControl(text: string): void {
    const message = parseServerMessage(text);
    if (!message) return;
    if (message.type === 'status') {
      if (message.state === 'running' && this.currentState === 'starting') {
        this.currentState = 'running';
        if (this.pending.length > 0) this.socket.send(Buffer.from(this.pending, 'utf8'));
        this.pending = '';
      }
    } else if (message.type === 'exit') {
      this.exit = {code: message.code, reason: message.reason};
    } else if (message.type === 'error') {
      this.error ??= {code: message.code, message: message.message};
    }
    this.wake();
  }

  private append(text: string): void {
    if (text.length === 0) return;
    this.unread += text;
    const over = this.unread.length - MAX_UNREAD_CHARS;
    if (over > 0) {
      this.unread = this.unread.slice(over);
      this.dropped += over;
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** True when something happened within `ms`. */
  private nextEvent(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (happened: boolean) => {
        this.clock.clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(happened);
      };
      const waiter = () => done(true);
      const timer = this.clock.setTimeout(() => done(false), ms);
      this.waiters.add(waiter);
    });
  }
}
