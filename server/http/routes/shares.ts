/**
 * `POST /api/sessions/<id>/shares` and `DELETE /api/sessions/<id>/shares/<shareId>`:
 * authorised by the owner's live credential, `Authorization: Bearer <the
 * latest resume-token the owner's socket received>`. A share token is never
 * that credential (another secret, another shape), so it cannot create or
 * revoke shares. The link it answers with carries the share in its fragment,
 * which browsers never send to a server, so no access log holds it.
 */
import express, {Router, type NextFunction, type Request, type Response} from 'express';
import {parseDuration} from '../../../config/index.js';
import {
  DEFAULT_SHARE_TTL,
  MAX_SHARE_TTL_MS,
  SHARE_MODES,
  shareFragment,
  type CreateShareResponse,
  type ShareMode,
} from '../../../protocol/index.js';
import {SandboxError} from '../../errors.js';
import type {ShareRegistry} from '../../sessions/share-registry.js';
import type {Session} from '../../sessions/session.js';
import {originAllowed, type OriginPolicy} from '../origin.js';
import {clientAddress} from './sessions.js';

export interface ShareRoutesContext {
  findSession: (id: string) => Session | undefined;
  shares: Pick<ShareRegistry, 'create' | 'revoke'>;
  originPolicy: OriginPolicy;
}

const BODY_LIMIT = 1024;
const MIN_SHARE_TTL_MS = 10_000;
const BODY_KEYS = new Set(['mode', 'ttl']);

/** The body of a share request, checked strictly: `{"mode": "view" | "control", "ttl"?: "30m"}`. */
export function parseShareRequest(body: unknown): {mode: ShareMode; ttlMs: number} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SandboxError('bad-request', 'send a JSON object {"mode": "view" | "control", "ttl": "30m"}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !BODY_KEYS.has(key));
  if (unknown !== undefined) throw new SandboxError('bad-request', `unknown field "${unknown.slice(0, 40)}"; a share request has "mode" and "ttl"`);
  const mode = fields.mode;
  if (typeof mode !== 'string' || !(SHARE_MODES as readonly string[]).includes(mode)) {
    throw new SandboxError('bad-request', `"mode" must be one of ${SHARE_MODES.map((name) => `"${name}"`).join(', ')}`);
  }
  const ttl = fields.ttl ?? DEFAULT_SHARE_TTL;
  const ttlMs = typeof ttl === 'string' && ttl.length <= 20 ? parseDuration(ttl) : undefined;
  if (ttlMs === undefined || ttlMs < MIN_SHARE_TTL_MS || ttlMs > MAX_SHARE_TTL_MS) {
    throw new SandboxError('bad-request', '"ttl" must be a duration between "10s" and "24h", e.g. "30m"');
  }
  return {mode: mode as ShareMode, ttlMs};
}

/** The owner's resume credential from `Authorization: Bearer …`; anything else is one 401 answer. */
function ownerSession(request: Request, findSession: ShareRoutesContext['findSession']): Session {
  const match = /^Bearer ([A-Za-z0-9_.-]{1,200})$/.exec(request.get('authorization') ?? '');
  const session = match ? findSession(String(request.params.id ?? '')) : undefined;
  // One answer for a missing or wrong credential and an unknown session: nothing tells which sessions exist.
  if (!session || !session.acceptsResume(match![1]!)) {
    throw new SandboxError('unauthorized', "send the session's latest resume-token as Authorization: Bearer <token>");
  }
  return session;
}

/**
 * The page the link opens: the page the owner's request came from (its
 * Referer, when that is an origin this server serves; query and fragment
 * dropped), else the site's root under the API's base.
 */
export function sharePageUrl(referer: string | undefined, fallback: string, allowed: (origin: string) => boolean): string {
  if (referer) {
    try {
      const url = new URL(referer);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && allowed(url.origin)) return `${url.origin}${url.pathname}`;
    } catch {
      // not a URL: the fallback
    }
  }
  return fallback;
}

export function shareRoutes(context: ShareRoutesContext): Router {
  const router = Router();
  const sameOrigin = (request: Request, origin: string | undefined) =>
    originAllowed(origin, {host: request.get('host'), secure: request.secure}, context.originPolicy);
  const checkOrigin = (request: Request, _response: Response, next: NextFunction) => {
    next(sameOrigin(request, request.get('origin')) ? undefined : new SandboxError('origin-not-allowed', 'requests from this origin are not allowed'));
  };

  router.post(
    '/api/sessions/:id/shares',
    checkOrigin,
    // The credential before the body: a stranger's request costs no parsing.
    (request, _response, next) => {
      ownerSession(request, context.findSession);
      next();
    },
    express.json({limit: BODY_LIMIT, type: () => true}),
    (request, response) => {
      const session = ownerSession(request, context.findSession);
      const {mode, ttlMs} = parseShareRequest(request.body);
      const share = context.shares.create(session.shareSide, {mode, ttlMs, client: clientAddress(request)});
      const base = typeof response.locals.apiBase === 'string' ? response.locals.apiBase : '/';
      const page = sharePageUrl(request.get('referer'), `${request.protocol}://${request.get('host') ?? 'localhost'}${base}`, (origin) => sameOrigin(request, origin));
      const body: CreateShareResponse = {
        id: share.id,
        token: share.token,
        url: `${page}#${shareFragment({token: share.token, session: session.id, block: session.block, mode: share.mode})}`,
        mode: share.mode,
        expiresAt: new Date(share.expiresAt).toISOString(),
      };
      response.status(201).set('Cache-Control', 'no-store').json(body);
    },
  );

  router.delete('/api/sessions/:id/shares/:shareId', checkOrigin, (request, response) => {
    const session = ownerSession(request, context.findSession);
    context.shares.revoke(session.id, String(request.params.shareId ?? ''));
    response.status(204).end();
  });

  return router;
}
