/**
 * The interactive sessions of one MCP client: at most a few at once, each
 * found by its id, all ended together when the client goes away.
 */
import type {CreateSessionRequest} from '../../protocol/index.js';
import type {Clock} from '../clock.js';
import {LiveSession, type LiveRead} from './live-session.js';
import type {SessionOpener} from './opener.js';

/** The server's per-client limit refuses more anyway; this keeps a confused agent from piling up sockets first. */
export const MAX_LIVE_SESSIONS = 4;

export class UnknownSessionError extends Error {
  readonly code = 'session-not-found';
  override readonly name = 'UnknownSessionError';
}

export class LiveSessions implements AsyncDisposable {
  private readonly sessions = new Map<string, LiveSession>();
  /** One-shot runs in flight: not addressable by id, but ended with the rest. */
  private readonly runs = new Set<LiveSession>();
  private disposed = false;

  constructor(private readonly options: {opener: SessionOpener; clock: Clock; max?: number}) {}

  get size(): number {
    return this.sessions.size;
  }

  async start(body: CreateSessionRequest): Promise<{sessionId: string} | {error: {code: string; message: string}}> {
    const max = this.options.max ?? MAX_LIVE_SESSIONS;
    if (this.disposed) return {error: {code: 'session-ended', message: 'the MCP server is shutting down'}};
    // Ended sessions whose last output nobody fetched give way to a new one.
    if (this.sessions.size >= max) for (const [id, session] of this.sessions) if (session.state === 'ended') this.sessions.delete(id);
    if (this.sessions.size >= max) {
      return {error: {code: 'too-many-sessions', message: `at most ${max} interactive sessions at once; stop one with stop_session`}};
    }
    const started = await LiveSession.start(this.options.opener, body, this.options);
    if ('error' in started) return started;
    // Disposed while the session was being created: end it at once rather than leak it.
    if (this.disposed) {
      await started.session.stop();
      return {error: {code: 'session-ended', message: 'the MCP server is shutting down'}};
    }
    this.sessions.set(started.session.id, started.session);
    return {sessionId: started.session.id};
  }

  send(sessionId: string, text: string): boolean {
    return this.get(sessionId).send(text);
  }

  /** A read that reports the end forgets the session: its last output has been handed over. */
  async read(sessionId: string, waitMs: number): Promise<LiveRead> {
    const session = this.get(sessionId);
    const read = await session.read(waitMs);
    if (read.state === 'ended') this.sessions.delete(sessionId);
    return read;
  }

  async stop(sessionId: string): Promise<void> {
    const session = this.get(sessionId);
    this.sessions.delete(sessionId);
    await session.stop();
  }

  /** Keeps a one-shot run to be ended with the client's sessions; returns its release. */
  hold(run: LiveSession): () => void {
    if (this.disposed) {
      void run.stop();
      return () => {};
    }
    this.runs.add(run);
    return () => this.runs.delete(run);
  }

  /** Ends every session and run. Idempotent. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true;
    const all = [...this.sessions.values(), ...this.runs];
    this.sessions.clear();
    this.runs.clear();
    await Promise.allSettled(all.map((session) => session.stop()));
  }

  private get(sessionId: string): LiveSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new UnknownSessionError(`no session "${sessionId.slice(0, 64)}" (ended, stopped or never started); start one with start_session`);
    return session;
  }
}
