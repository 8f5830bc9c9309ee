/**
 * Where the sandbox server lives. The plugin publishes `serverUrl`; '' means
 * the site's own origin under the site's base path, where `docusaurus-sandbox
 * serve` answers (a site built with `baseUrl: '/sub/'` is served at `/sub/`,
 * and so is its API: `/sub/api/sessions`).
 */
import {sessionSocketPath} from '../protocol/index.js';

/**
 * The HTTP base (no trailing slash) for API calls: `serverUrl` when set
 * (resolved against the page, as given), else the page's origin plus the
 * site's `baseUrl` (Docusaurus's, '/' by default).
 */
export function apiBase(serverUrl: string | undefined, pageOrigin: string, baseUrl = '/'): string {
  const base = serverUrl && serverUrl.trim() !== '' ? serverUrl.trim() : sitePath(baseUrl);
  return new URL(base, pageOrigin).href.replace(/\/+$/, '');
}

/** The site's base path as an absolute path with a trailing slash: 'sub' and '/sub' mean '/sub/'. */
function sitePath(baseUrl: string): string {
  const trimmed = baseUrl.trim();
  const absolute = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  return absolute.endsWith('/') ? absolute : `${absolute}/`;
}

/**
 * The WebSocket URL of a session: the server's `ws` answer (absolute, or a
 * path that already includes the site's base path), else the protocol's path
 * under the API base, with http(s) turned into ws(s).
 */
export function socketUrl(base: string, id: string, answer?: string): string {
  // Without an answer the protocol's path is taken relative to the base, so a base under a path keeps it.
  const target = answer && answer !== '' ? answer : sessionSocketPath(id).replace(/^\/+/, '');
  const url = new URL(target, base + '/');
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.href;
}
