/**
 * The environment routes of the API: GET (its state), DELETE (remove it and
 * its container now) and POST …/leave (the page went away: the server ends it
 * unless a request for it comes within the reconnect grace). Each carries the
 * environment's token in ENVIRONMENT_TOKEN_HEADER, never in the URL.
 */
import {ENVIRONMENT_TOKEN_HEADER, environmentPath, type EnvironmentRef} from '../protocol/index.js';
import {readEnvironmentInfo, type KnownEnvironment} from './environment.js';

export interface EnvironmentRequestInit {
  method: 'GET' | 'DELETE' | 'POST';
  headers: Record<string, string>;
  /** Outlives the page (pagehide): the browser sends it after the document is gone. */
  keepalive?: boolean;
}

/** What the environment calls need of `fetch`; the browser's own fits. */
export type EnvironmentFetch = (url: string, init: EnvironmentRequestInit) => Promise<{ok: boolean; status: number; json(): Promise<unknown>}>;

/** The URL and request of one environment call; `base` is the API base (see `apiBase`, no trailing slash). */
export function environmentRequest(
  base: string,
  ref: EnvironmentRef,
  action: 'state' | 'remove' | 'leave',
  bearer?: string,
): {url: string; init: EnvironmentRequestInit} {
  const path = environmentPath(ref.id, '/').replace(/^\//, '');
  const url = `${base}/${path}${action === 'leave' ? '/leave' : ''}`;
  const headers: Record<string, string> = {[ENVIRONMENT_TOKEN_HEADER]: ref.token};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  switch (action) {
    case 'state':
      return {url, init: {method: 'GET', headers}};
    case 'remove':
      return {url, init: {method: 'DELETE', headers}};
    case 'leave':
      return {url, init: {method: 'POST', headers, keepalive: true}};
  }
}

/**
 * What a GET says: the environment's current state, `gone` (404: unknown or
 * expired; 401: not ours, so the stored one is useless too), or `unknown` (no
 * answer, another status): keep what the page has and let a Run find out.
 */
export type EnvironmentState = {state: 'found'; environment: KnownEnvironment} | {state: 'gone'} | {state: 'unknown'};

export async function fetchEnvironmentState(fetch: EnvironmentFetch, base: string, ref: EnvironmentRef, session: string, bearer?: string): Promise<EnvironmentState> {
  const {url, init} = environmentRequest(base, ref, 'state', bearer);
  let response: Awaited<ReturnType<EnvironmentFetch>>;
  try {
    response = await fetch(url, init);
  } catch {
    return {state: 'unknown'};
  }
  if (response.status === 404 || response.status === 401) return {state: 'gone'};
  if (!response.ok) return {state: 'unknown'};
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return {state: 'unknown'};
  }
  const environment = readEnvironmentInfo(body, session);
  // The answer must be about the environment asked for; its token stays the one the page holds.
  if (!environment || environment.ref.id !== ref.id) return {state: 'unknown'};
  return {state: 'found', environment: {...environment, ref}};
}

/** DELETE; failures are swallowed: the server reaps an environment nobody uses on its own. */
export async function removeEnvironment(fetch: EnvironmentFetch, base: string, ref: EnvironmentRef, bearer?: string): Promise<void> {
  const {url, init} = environmentRequest(base, ref, 'remove', bearer);
  try {
    await fetch(url, init);
  } catch {
    // Offline or refused: nothing the reader can do about it, and the page has already forgotten it.
  }
}

/** POST …/leave with keepalive, fire and forget: the page is going away and cannot wait for the answer. */
export function leaveEnvironment(fetch: EnvironmentFetch, base: string, ref: EnvironmentRef): void {
  const {url, init} = environmentRequest(base, ref, 'leave');
  try {
    fetch(url, init).catch(() => undefined);
  } catch {
    // A fetch that throws at once (no network stack during unload): the server's idle reaping ends it instead.
  }
}
