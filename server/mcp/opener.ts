/**
 * How the MCP tools get a sandbox session: created over HTTP (`POST
 * /api/sessions`, the stdio server's in-process server or `--server`), or
 * created in-process for the `/mcp` route so each MCP client is counted as its
 * own client. Either way the session's socket is then opened over the
 * WebSocket API with the session token, like a reader's browser does.
 */
import type {CreateSessionRequest, CreateSessionResponse, EnvironmentRef} from '../../protocol/index.js';
import {createSession, removeEnvironment, REMOVE_DEADLINE_MS, sessionSocketUrl, type CreatedSession, type RemovedEnvironment} from '../check/create-session.js';

export interface SessionOpener {
  /** Creates the session; a refusal comes back as `{error}` with the server's stable code. */
  open(body: CreateSessionRequest, deadlineMs: number): Promise<CreatedSession>;
  /** The `ws:`/`wss:` URL of the session's socket. */
  socketUrl(session: CreateSessionResponse): URL;
  /** Origin header of the socket: one the server's origin rules allow. */
  readonly origin: string;
  /** Extra headers of every request (e.g. Authorization for the jwt auth mode). */
  readonly headers?: Record<string, string> | undefined;
  /** Where sessions are made, for error messages. */
  readonly label: string;
  /**
   * Removes a page session's environment once the tools are done with it.
   * An opener without it leaves the environment to the server's idle expiry.
   */
  removeEnvironment?(environment: EnvironmentRef): Promise<RemovedEnvironment>;
}


export function httpOpener(serverUrl: string, headers?: Record<string, string>): SessionOpener {
  return {
    open: (body, deadlineMs) =>
      createSession(serverUrl, body, {deadlineMs, ...(headers ? {headers} : {})}).catch((error: Error) => ({
        error: {code: 'unreachable', message: `cannot reach ${serverUrl}: ${error.message}`},
      })),
    socketUrl: (session) => sessionSocketUrl(serverUrl, session),
    origin: new URL(serverUrl).origin,
    headers,
    label: serverUrl,
    removeEnvironment: (environment) =>
      removeEnvironment(serverUrl, environment, {deadlineMs: REMOVE_DEADLINE_MS, ...(headers ? {headers} : {})}).catch((error: Error) => ({
        error: {code: 'unreachable', message: `cannot reach ${serverUrl}: ${error.message}`},
      })),
  };
}
