/**
 * Shares of a session, framework-free: the owner's calls (create one, revoke
 * one, both with the owner's latest resume token as the Bearer credential)
 * and reading a share link's fragment on the viewer's page.
 */
import {parseShareFragment, sharesPath, type CreateShareResponse, type ErrorCode, type ShareMode} from '../protocol/index.js';

export interface ShareRequestInit {
  method: 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
}

/** What the share calls need of `fetch`; the browser's own fits. */
export type ShareFetch = (url: string, init: ShareRequestInit) => Promise<{ok: boolean; status: number; json(): Promise<unknown>}>;

/** The URL and request of one share call; `base` is the API base (see `apiBase`, no trailing slash). */
export function shareRequest(
  base: string,
  sessionId: string,
  resumeToken: string,
  action: {create: ShareMode; ttl?: string} | {revoke: string},
): {url: string; init: ShareRequestInit} {
  const path = `${base}/${sharesPath(sessionId, '/').replace(/^\//, '')}`;
  const headers: Record<string, string> = {authorization: `Bearer ${resumeToken}`};
  if ('revoke' in action) return {url: `${path}/${encodeURIComponent(action.revoke)}`, init: {method: 'DELETE', headers}};
  const body = JSON.stringify(action.ttl ? {mode: action.create, ttl: action.ttl} : {mode: action.create});
  return {url: path, init: {method: 'POST', headers: {...headers, 'content-type': 'application/json'}, body}};
}

/** A refused share call: its stable code (`unauthorized`, `too-many-shares`, …) or `internal` when the answer had none. */
export class ShareCallError extends Error {
  override readonly name = 'ShareCallError';
  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
  ) {
    super(message);
  }
}

async function refusal(response: {status: number; json(): Promise<unknown>}): Promise<ShareCallError> {
  const body = (await response.json().catch(() => undefined)) as {error?: {code?: ErrorCode; message?: string}} | undefined;
  return new ShareCallError(body?.error?.code ?? 'internal', body?.error?.message ?? `the server answered ${response.status}`);
}

async function call(fetchShare: ShareFetch, request: {url: string; init: ShareRequestInit}) {
  try {
    return await fetchShare(request.url, request.init);
  } catch {
    throw new ShareCallError('network', 'the server could not be reached');
  }
}

export async function createShare(
  fetchShare: ShareFetch,
  base: string,
  sessionId: string,
  resumeToken: string,
  mode: ShareMode,
): Promise<CreateShareResponse> {
  const response = await call(fetchShare, shareRequest(base, sessionId, resumeToken, {create: mode}));
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as CreateShareResponse;
}

export async function revokeShare(fetchShare: ShareFetch, base: string, sessionId: string, resumeToken: string, shareId: string): Promise<void> {
  const response = await call(fetchShare, shareRequest(base, sessionId, resumeToken, {revoke: shareId}));
  // Already gone (expired, or the session ended) is what the owner wanted.
  if (!response.ok && response.status !== 404) throw await refusal(response);
}

/** The share a page's fragment holds for `block` (any block when the link names none), else undefined. */
export function shareLinkFor(hash: string, block: string): {token: string; session: string; mode?: ShareMode} | undefined {
  const link = parseShareFragment(hash);
  if (!link || (link.block !== undefined && link.block !== block)) return undefined;
  return {token: link.token, session: link.session, ...(link.mode ? {mode: link.mode} : {})};
}
