/**
 * The first step of a session: POST <base>/api/sessions (with the operator's
 * bearer token in jwt auth mode) and read the answer into the socket to open,
 * or the error to show. The server answers errors as `{"error":{"code"}}`.
 *
 * An answer that is not the sandbox API's means there is no backend here: a
 * static host (`docusaurus serve`, GitHub Pages) answers the POST with 404 or
 * 405 and an HTML page, a proxy in front of a stopped backend with 502–504.
 * Those are `no-backend` / `unreachable`, which the runner answers with the
 * block's recording when there is one, never "something went wrong on the server".
 */
import type {CreateSessionRequest, CreateSessionResponse, EnvironmentInfo, ErrorCode} from '../protocol/index.js';
import {readEnvironmentInfo} from './environment.js';
import {isErrorCode} from './server-frames.js';
import type {ClientErrorCode} from './status.js';
import {socketUrl} from './url.js';

export type FetchLike = (url: string, init: {method: string; headers: Record<string, string>; body: string}) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export interface CreateSessionInput {
  /** The server's base URL (see `apiBase`). */
  base: string;
  request: CreateSessionRequest;
  fetch: FetchLike;
  getAuthToken?: () => Promise<string | undefined>;
  /** The page's origin: a backend on another one needs it in its `server.origins`. */
  pageOrigin?: string;
  /** Hints for the site's owner (the console in a browser). */
  warn?: (message: string) => void;
  /** The session was disposed meanwhile: stop at the next step and report nothing. */
  cancelled(): boolean;
}

export type CreateSessionOutcome =
  /** `environment`: a page session's step, the environment it runs in (validated; absent for other blocks). */
  | {created: true; id: string; token: string; socketUrl: string; environment?: EnvironmentInfo}
  | {created: false; code: ErrorCode | ClientErrorCode}
  /** Cancelled: nothing to report. */
  | undefined;

/** What an error answer's body says: a code of ours, the API's shape with a code this client does not know, or not the API at all. */
export type ErrorAnswer = ErrorCode | 'bad-response' | 'not-the-api';

async function readJson(response: {json(): Promise<unknown>}): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Reads the server's `{"error":{"code"}}` body. */
export async function readErrorAnswer(response: {json(): Promise<unknown>}): Promise<ErrorAnswer> {
  const body = await readJson(response);
  const error = isObject(body) ? body.error : undefined;
  const code = isObject(error) ? error.code : undefined;
  if (isErrorCode(code)) return code;
  // A newer server's code still comes from a sandbox server.
  return typeof code === 'string' ? 'bad-response' : 'not-the-api';
}

/** Reads the server's `{"error":{"code"}}` body; anything else is a bad response. */
export async function readErrorCode(response: {json(): Promise<unknown>}): Promise<ErrorCode | 'bad-response'> {
  const answer = await readErrorAnswer(response);
  return answer === 'not-the-api' ? 'bad-response' : answer;
}

const crossOrigin = (base: string, pageOrigin: string | undefined): boolean => {
  if (pageOrigin === undefined) return false;
  try {
    return new URL(base).origin !== new URL(pageOrigin).origin;
  } catch {
    return false;
  }
};

export async function createSession(input: CreateSessionInput): Promise<CreateSessionOutcome> {
  const headers: Record<string, string> = {'content-type': 'application/json'};
  try {
    const token = await input.getAuthToken?.();
    if (token) headers.authorization = `Bearer ${token}`;
  } catch {
    // The site could not sign the reader in: the server would refuse the session anyway.
    return input.cancelled() ? undefined : {created: false, code: 'unauthorized'};
  }
  const url = `${input.base}/api/sessions`;
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await input.fetch(url, {method: 'POST', headers, body: JSON.stringify(input.request)});
  } catch {
    if (input.cancelled()) return undefined;
    // A CORS refusal is a TypeError like a network failure, and the page cannot read which it was: name the likely fix.
    if (crossOrigin(input.base, input.pageOrigin)) {
      input.warn?.(
        `docusaurus-sandbox: could not reach the sandbox server at ${url}. ` +
          `If it is running, it refused this page's origin: add "${input.pageOrigin}" to server.origins in its configuration.`,
      );
    }
    return {created: false, code: 'unreachable'};
  }
  if (input.cancelled()) return undefined;
  if (!response.ok) {
    const answer = await readErrorAnswer(response);
    if (input.cancelled()) return undefined;
    if (answer !== 'not-the-api') return {created: false, code: answer};
    // A proxy in front of a stopped backend answers 502/503/504 with HTML.
    if (response.status >= 502 && response.status <= 504) return {created: false, code: 'unreachable'};
    warnNoBackend(input, url, response.status);
    return {created: false, code: 'no-backend'};
  }
  const body = await readJson(response);
  if (input.cancelled()) return undefined;
  const answer = (isObject(body) ? body : {}) as Partial<CreateSessionResponse>;
  if (typeof answer.id !== 'string' || typeof answer.token !== 'string') {
    warnNoBackend(input, url, response.status);
    return {created: false, code: 'no-backend'};
  }
  const created = {
    created: true as const,
    id: answer.id,
    token: answer.token,
    socketUrl: socketUrl(input.base, answer.id, typeof answer.ws === 'string' ? answer.ws : undefined),
  };
  // A malformed environment is left out: the step still runs, the page just cannot reuse its environment.
  const environment = readEnvironmentInfo(answer.environment);
  if (!environment) return created;
  const {ref, session, ran} = environment;
  return {...created, environment: {id: ref.id, token: ref.token, session, ran: [...ran]}};
}

function warnNoBackend(input: CreateSessionInput, url: string, status: number): void {
  input.warn?.(
    `docusaurus-sandbox: POST ${url} answered ${status}, but not as a sandbox server: this host serves the site without ` +
      'its backend (a static host). Serve the site with `docusaurus-sandbox serve`, or point the plugin\'s serverUrl at the backend.',
  );
}
