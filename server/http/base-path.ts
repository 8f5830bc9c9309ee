/**
 * A site built with a `baseUrl` (e.g. `/mysite/`, as on GitHub Pages) has
 * every page and asset under that path, and its pages call the API under it
 * too: `<baseUrl>api/…`, and for a translated page `<baseUrl><locale>/api/…`
 * (Docusaurus gives each locale its own base). The server keeps answering at
 * `/api/…` as well, for clients that know only the server (`check --server`,
 * a `serverUrl` without a path, a proxy that strips the path). Pure: the
 * request path in, where it goes out.
 */
import {NODE_NAME_PATTERN} from '../../config/schema.js';

export interface BasePaths {
  /** Where the static site lives: '/' or '/mysite/'. */
  site: string;
  /** Every base the API answers under besides '/', longest first. */
  api: readonly string[];
}

export const ROOT_BASE_PATHS: BasePaths = {site: '/', api: []};

/**
 * A base URL as Docusaurus writes it: starts and ends with '/'. Undefined for
 * what is not a plain path (a full URL, `..`, a query, characters that would
 * need escaping): such a value is ignored rather than trusted.
 */
export function normalizeBasePath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 200) return undefined;
  const withSlashes = `/${value.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  if (!/^\/(?:[A-Za-z0-9._~-]+\/)*$/.test(withSlashes)) return undefined;
  if (withSlashes.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return withSlashes;
}

/** The bases of a build: the site's, and each locale's API base (the locale's own baseUrl, or `<site><locale>/`). */
export function basePathsOf(site: string | undefined, locales: ReadonlyArray<{locale: string; baseUrl?: string | undefined}>): BasePaths {
  const siteBase = normalizeBasePath(site) ?? '/';
  const api = new Set<string>();
  if (siteBase !== '/') api.add(siteBase);
  for (const {locale, baseUrl} of locales) {
    const base = normalizeBasePath(baseUrl) ?? normalizeBasePath(`${siteBase}${locale}`);
    if (base && base !== '/') api.add(base);
  }
  return {site: siteBase, api: [...api].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))};
}

export type BaseRoute =
  /** An API path: `path` is the path under `/api`, `base` the base it came in under ('/' for a bare `/api/…`). */
  | {kind: 'api'; path: string; base: string}
  /** A file of the static site: `path` relative to the build folder's root (starting with '/'). */
  | {kind: 'site'; path: string}
  /** The base without its trailing slash, or '/' of a site under a path: send the reader to the site. */
  | {kind: 'redirect'; location: string}
  /** Outside the site's base: nothing is served there. */
  | {kind: 'outside'};

const isApi = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * The node an environment id names (`env-<node>.<random>`, as a gateway with
 * `server.node` makes them), or undefined. The random part is base64url, which
 * has no '.', so the first '.' ends the node's name.
 */
export function environmentNode(id: string): string | undefined {
  const dot = id.indexOf('.');
  if (!id.startsWith('env-') || dot === -1) return undefined;
  const node = id.slice('env-'.length, dot);
  return NODE_NAME_PATTERN.test(node) ? node : undefined;
}

const NODE_PATH = /^\/api\/nodes\/([^/]*)(\/.*)?$/;

/**
 * An API path that names a node (`/api/nodes/<node>/…`, what a cluster's
 * balancer routes by) as the plain path this gateway serves, if the node is
 * this gateway's. `foreign`: the path names another node (a balancer that
 * sent it to the wrong gateway) or a node while this gateway has no name.
 */
export function underNode(apiPath: string, self: string | undefined): {path: string} | {foreign: string} {
  const match = NODE_PATH.exec(apiPath);
  if (!match) return {path: apiPath};
  const node = decodeURIComponent(match[1]!);
  if (self === undefined || node !== self) return {foreign: node};
  return {path: `/api${match[2] ?? ''}`};
}

/** Where a request path (no query) goes. */
export function routeUnderBase(pathname: string, bases: BasePaths): BaseRoute {
  if (isApi(pathname)) return {kind: 'api', path: pathname, base: bases.site};
  for (const base of bases.api) {
    if (pathname.startsWith(base) && isApi(pathname.slice(base.length - 1))) {
      return {kind: 'api', path: pathname.slice(base.length - 1), base};
    }
  }
  if (bases.site === '/') return {kind: 'site', path: pathname};
  if (pathname.startsWith(bases.site)) return {kind: 'site', path: pathname.slice(bases.site.length - 1)};
  if (pathname === '/' || pathname === bases.site.slice(0, -1)) return {kind: 'redirect', location: bases.site};
  return {kind: 'outside'};
}
