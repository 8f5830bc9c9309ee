/**
 * Origin allowlist for POST and the WebSocket upgrade (cross-site WebSocket
 * hijacking: browsers send cookies and no CORS check on upgrades). Exact match
 * only. With no configured origins, the allowed origin is the one the server
 * is reached at (`http(s)://<Host>`), i.e. same-origin pages.
 */
export interface OriginPolicy {
  origins: readonly string[];
  allowNoOrigin: boolean;
}

export function originAllowed(
  origin: string | undefined,
  request: {host: string | undefined; secure: boolean},
  policy: OriginPolicy,
): boolean {
  if (origin === undefined || origin === '') return policy.allowNoOrigin;
  if (policy.origins.length > 0) return policy.origins.includes(origin);
  if (!request.host) return false;
  return origin === `${request.secure ? 'https' : 'http'}://${request.host}`;
}

/**
 * The origin check of a page session's environment routes. A browser sends no
 * Origin on a same-origin GET (only on other methods, and on every
 * cross-origin request), so the page's own "what is the state of my
 * environment" would be refused as a request without one. Such a GET is let
 * through: it changes nothing, and only the environment's token, in a header
 * a cross-origin page cannot send without an Origin, gets an answer.
 */
export function environmentOriginAllowed(
  method: string,
  origin: string | undefined,
  request: {host: string | undefined; secure: boolean},
  policy: OriginPolicy,
): boolean {
  if ((origin === undefined || origin === '') && (method === 'GET' || method === 'HEAD')) return true;
  return originAllowed(origin, request, policy);
}
