/**
 * POST /api/sessions as a reader's browser sends it (the server's own origin
 * unless told otherwise). Shared by the one-shot runner (`runSession`) and by
 * clients that keep a session open (the MCP server's interactive sessions).
 */
import {
  ENVIRONMENT_TOKEN_HEADER,
  environmentPath,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type EnvironmentRef,
  type ErrorBody,
} from '../../protocol/index.js';

export interface CreateSessionOptions {
  /** Give up after this long. */
  deadlineMs: number;
  /** Origin header: the server allows its own origin by default, as for a page it serves. */
  origin?: string;
  /** Extra request headers (e.g. Authorization for the jwt auth mode). */
  headers?: Record<string, string>;
}

export type CreatedSession = {session: CreateSessionResponse} | {error: {code: string; message: string}};

export async function createSession(serverUrl: string, body: CreateSessionRequest, options: CreateSessionOptions): Promise<CreatedSession> {
  const origin = options.origin ?? new URL(serverUrl).origin;
  const response = await fetch(apiUrl(serverUrl, 'api/sessions'), {
    method: 'POST',
    headers: {'content-type': 'application/json', origin, ...options.headers},
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.deadlineMs),
  });
  const payload = (await response.json().catch(() => undefined)) as CreateSessionResponse | ErrorBody | undefined;
  if (!response.ok || !payload || 'error' in payload) {
    const error = payload && 'error' in payload ? payload.error : {code: 'internal', message: `HTTP ${response.status}`};
    return {error};
  }
  return {session: payload};
}

/** The environment of an answer, as a later step names it (id and token only: the rest is the state when it answered). */
export function environmentOf(session: CreateSessionResponse): EnvironmentRef | undefined {
  return session.environment ? {id: session.environment.id, token: session.environment.token} : undefined;
}

/** Longest wait for the answer to DELETE /api/environments/<id>: it only stops a container. */
export const REMOVE_DEADLINE_MS = 10_000;

export type RemovedEnvironment = {removed: true} | {error: {code: string; message: string}};

/**
 * DELETE /api/environments/<id> with the environment's token: the server
 * removes it (and its container) at once instead of when it has been idle
 * long enough. An environment already gone counts as removed.
 */
export async function removeEnvironment(serverUrl: string, environment: EnvironmentRef, options: CreateSessionOptions): Promise<RemovedEnvironment> {
  const origin = options.origin ?? new URL(serverUrl).origin;
  const response = await fetch(apiUrl(serverUrl, environmentPath(environment.id, '')), {
    method: 'DELETE',
    headers: {origin, [ENVIRONMENT_TOKEN_HEADER]: environment.token, ...options.headers},
    signal: AbortSignal.timeout(options.deadlineMs),
  });
  const payload = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  if (response.ok) return {removed: true};
  const error = payload?.error ?? {code: 'internal', message: `HTTP ${response.status}`};
  return error.code === 'environment-not-found' ? {removed: true} : {error};
}

/**
 * An API endpoint under the server URL's path: `http://host/mysite/` (a site
 * served under a base path behind a proxy that forwards only that path) gives
 * `http://host/mysite/api/…`, `http://host:3000` gives `http://host:3000/api/…`.
 */
export function apiUrl(serverUrl: string, endpoint: string): URL {
  const base = new URL(serverUrl);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(endpoint, base);
}

/** The WebSocket URL of a created session (`ws:` or `wss:` after the server's scheme). */
export function sessionSocketUrl(serverUrl: string, session: CreateSessionResponse): URL {
  const url = new URL(session.ws, serverUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}
