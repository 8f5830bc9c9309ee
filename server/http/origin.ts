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
