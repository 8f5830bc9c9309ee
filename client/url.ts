/**
 * Where the sandbox server lives. The plugin publishes `serverUrl`; '' means
 * the same origin as the page.
 */
import {sessionSocketPath} from '../protocol/index.js';

/** The HTTP base (no trailing slash) for API calls. */
export function apiBase(serverUrl: string | undefined, pageOrigin: string): string {
  const base = serverUrl && serverUrl.trim() !== '' ? serverUrl.trim() : pageOrigin;
  return new URL(base, pageOrigin).href.replace(/\/+$/, '');
}

/**
 * The WebSocket URL of a session: the server's `ws` answer (absolute or a
 * path), else the protocol's path, resolved against the API base, with
 * http(s) turned into ws(s).
 */
export function socketUrl(base: string, id: string, answer?: string): string {
  const url = new URL(answer && answer !== '' ? answer : sessionSocketPath(id), base + '/');
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.href;
}
