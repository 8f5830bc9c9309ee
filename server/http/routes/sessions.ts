/**
 * `POST /api/sessions`: origin, then authentication, then the body, then the
 * limits, then the engine, and only then a container. Each step refuses
 * before the next one costs anything.
 */
import express, {Router, type NextFunction, type Request, type Response} from 'express';
import {environmentNode} from '../base-path.js';
import {nodeSegment, sessionSocketPath, type CreateSessionResponse} from '../../../protocol/index.js';
import type {AuthVerifier, Principal} from '../../auth/jwt.js';
import {SandboxError} from '../../errors.js';
import {originAllowed, type OriginPolicy} from '../origin.js';
import {openSession, type OpenSessionContext} from '../open-session.js';

export interface SessionRoutesContext extends OpenSessionContext {
  originPolicy: OriginPolicy;
  auth: AuthVerifier;
}

/** The address limits are counted against: the socket's, or X-Forwarded-For's with trustProxy. */
export const clientAddress = (request: Request): string => request.ip ?? request.socket.remoteAddress ?? 'unknown';

/** The other node that holds the environment a step names, when this gateway has a node and the request did not name it. */
export function ownerElsewhere(body: unknown, self: string | undefined, pinned: boolean): string | undefined {
  if (self === undefined || pinned || typeof body !== 'object' || body === null) return undefined;
  const environment = (body as {environment?: unknown}).environment;
  const id = typeof environment === 'object' && environment !== null ? (environment as {id?: unknown}).id : undefined;
  const node = typeof id === 'string' ? environmentNode(id) : undefined;
  return node !== undefined && node !== self ? node : undefined;
}

export function sessionRoutes(context: SessionRoutesContext): Router {
  const {config, auth} = context;
  const router = Router();

  const checkOrigin = (request: Request, _response: Response, next: NextFunction) => {
    const allowed = originAllowed(request.get('origin'), {host: request.get('host'), secure: request.secure}, context.originPolicy);
    next(allowed ? undefined : new SandboxError('origin-not-allowed', 'requests from this origin are not allowed'));
  };

  // Authentication comes before the body is read: an anonymous flood costs no parsing.
  const authenticate = (request: Request, response: Response, next: NextFunction) => {
    auth.authenticate(request.get('authorization')).then(
      (principal) => {
        response.locals.principal = principal;
        next();
      },
      (error: unknown) => next(error),
    );
  };

  router.post(
    '/api/sessions',
    checkOrigin,
    authenticate,
    express.json({limit: config.server.bodyLimit, type: () => true}),
    async (request, response) => {
      const principal = response.locals.principal as Principal | undefined;
      // Under the base the request came in by (the site's for a bare /api/…), so a proxy that forwards only the site's path reaches it.
      const base = typeof response.locals.apiBase === 'string' ? response.locals.apiBase : '/';
      const owner = ownerElsewhere(request.body, config.server.node, response.locals.pinnedNode === true);
      if (owner) {
        // A later step of a page session whose environment another node holds (a balancer cannot route by the body):
        // 307 keeps the method and the body, and the node's path reaches that node.
        response.redirect(307, `${base}api/${nodeSegment(owner)}sessions`);
        return;
      }
      const opened = await openSession(context, request.body, {client: clientAddress(request), user: principal?.user});
      const body: CreateSessionResponse = {
        id: opened.session.id,
        token: opened.token,
        ws: sessionSocketPath(opened.session.id, base, config.server.node),
        ...(config.server.node ? {node: config.server.node} : {}),
        ...(opened.environment ? {environment: opened.environment} : {}),
      };
      response.status(201).json(body);
    },
  );

  return router;
}
