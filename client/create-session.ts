/**
 * The first step of a session: POST /api/sessions (with the operator's bearer
 * token in jwt auth mode) and read the answer into the socket to open, or the
 * error to show. The server answers errors as `{"error":{"code"}}`.
 */
import type {CreateSessionRequest, CreateSessionResponse, ErrorCode} from '../protocol/index.js';
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
  /** The session was disposed meanwhile: stop at the next step and report nothing. */
  cancelled(): boolean;
}

export type CreateSessionOutcome =
  | {created: true; id: string; token: string; socketUrl: string}
  | {created: false; code: ErrorCode | ClientErrorCode}
  /** Cancelled: nothing to report. */
  | undefined;

/** Reads the server's `{"error":{"code"}}` body; anything else is a bad response. */
export async function readErrorCode(response: {json(): Promise<unknown>}): Promise<ErrorCode | 'bad-response'> {
  try {
    const body = (await response.json()) as {error?: {code?: unknown}} | null;
    const code = body?.error?.code;
    return isErrorCode(code) ? code : 'bad-response';
  } catch {
    return 'bad-response';
  }
}

export async function createSession(input: CreateSessionInput): Promise<CreateSessionOutcome> {
  const headers: Record<string, string> = {'content-type': 'application/json'};
  try {
    const token = await input.getAuthToken?.();
    if (token) headers.authorization = `Bearer ${token}`;
  } catch {
    // The site could not sign the reader in: the server would refuse the session anyway.
    return input.cancelled() ? undefined : {created: false, code: 'unauthorized'};
  }
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await input.fetch(`${input.base}/api/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(input.request),
    });
  } catch {
    return input.cancelled() ? undefined : {created: false, code: 'unreachable'};
  }
  if (input.cancelled()) return undefined;
  if (!response.ok) {
    // A proxy in front of a stopped backend answers 502/503/504 with HTML.
    const code = await readErrorCode(response);
    if (input.cancelled()) return undefined;
    const unreachable = code === 'bad-response' && response.status >= 502 && response.status <= 504;
    return {created: false, code: unreachable ? 'unreachable' : code};
  }
  let answer: Partial<CreateSessionResponse>;
  try {
    answer = (await response.json()) as Partial<CreateSessionResponse>;
  } catch {
    answer = {};
  }
  if (input.cancelled()) return undefined;
  if (typeof answer.id !== 'string' || typeof answer.token !== 'string') return {created: false, code: 'bad-response'};
  return {
    created: true,
    id: answer.id,
    token: answer.token,
    socketUrl: socketUrl(input.base, answer.id, typeof answer.ws === 'string' ? answer.ws : undefined),
  };
}
