/**
 * `/api/environments/<id>` of page sessions: GET its state, DELETE it (the
 * reader's Reset: its container goes at once), POST `…/leave` when its page
 * goes away (it ends unless the page is back within the reconnect grace).
 * The environment's token travels in ENVIRONMENT_TOKEN_HEADER, never in the
 * URL, so no access log holds it.
 */
import {Router, type NextFunction, type Request, type Response} from 'express';
import {ENVIRONMENT_TOKEN_HEADER, nodeSegment, type EnvironmentRef} from '../../../protocol/index.js';
import {environmentNode} from '../base-path.js';
import type {EnvironmentRegistry} from '../../environments/registry.js';
import {SandboxError} from '../../errors.js';
import {environmentOriginAllowed, type OriginPolicy} from '../origin.js';

export interface EnvironmentRoutesContext {
  environments: Pick<EnvironmentRegistry, 'describe' | 'remove' | 'left'>;
  originPolicy: OriginPolicy;
  /** This gateway's `server.node`: an environment of another node is redirected there. */
  node?: string | undefined;
}

const MAX_REF_LENGTH = 200;

/** The environment a request names; a missing token is `environment-unauthorized` (401). */
function environmentRef(request: Request): EnvironmentRef {
  const id = String(request.params.id ?? '');
  const token = request.get(ENVIRONMENT_TOKEN_HEADER) ?? '';
  if (token.length === 0) throw new SandboxError('environment-unauthorized', `send the environment's token in the ${ENVIRONMENT_TOKEN_HEADER} header`);
  if (id.length > MAX_REF_LENGTH || token.length > MAX_REF_LENGTH) throw new SandboxError('environment-not-found', 'no such environment');
  return {id, token};
}

export function environmentRoutes(context: EnvironmentRoutesContext): Router {
  const router = Router();
  const checkOrigin = (request: Request, _response: Response, next: NextFunction) => {
    const allowed = environmentOriginAllowed(request.method, request.get('origin'), {host: request.get('host'), secure: request.secure}, context.originPolicy);
    next(allowed ? undefined : new SandboxError('origin-not-allowed', 'requests from this origin are not allowed'));
  };

  // An environment of another node (its id names the node; see environmentNode): 307 to that node's path, for a
  // balancer that does not route environment paths by id itself (deploy/nginx/cluster.conf does).
  router.all(['/api/environments/:id', '/api/environments/:id/leave'], (request, response, next) => {
    const owner = context.node === undefined || response.locals.pinnedNode === true ? undefined : environmentNode(String(request.params.id ?? ''));
    if (owner === undefined || owner === context.node) {
      next();
      return;
    }
    const base = typeof response.locals.apiBase === 'string' ? response.locals.apiBase : '/';
    const rest = request.path.slice('/api/'.length);
    response.redirect(307, `${base}api/${nodeSegment(owner)}${rest}`);
  });

  router.get('/api/environments/:id', checkOrigin, (request, response) => {
    response.set('Cache-Control', 'no-store').json(context.environments.describe(environmentRef(request)));
  });
  router.delete('/api/environments/:id', checkOrigin, async (request, response) => {
    await context.environments.remove(environmentRef(request));
    response.status(204).end();
  });
  router.post('/api/environments/:id/leave', checkOrigin, (request, response) => {
    context.environments.left(environmentRef(request));
    response.status(204).end();
  });
  return router;
}
