/**
 * The Express application, composed from its route groups: CORS for the API,
 * health and readiness, session creation, the API's 404, the static site,
 * and the one error handler. Everything stateful comes in through
 * `AppContext`; the WebSocket upgrade lives in `upgrade.ts`.
 */
import express, {type RequestHandler} from 'express';
import type {SandboxBlock, SandboxConfig} from '../../config/index.js';
import {createAuthVerifier, type AuthVerifier} from '../auth/jwt.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime} from '../runtime/types.js';
import type {EnvironmentRegistry} from '../environments/registry.js';
import type {SessionManager} from '../sessions/manager.js';
import {SandboxError} from '../errors.js';
import {ROOT_BASE_PATHS, routeUnderBase, underNode, type BasePaths} from './base-path.js';
import {createEngineProbe, type EngineProbe} from './engine.js';
import {errorHandler, notFound} from './errors.js';
import type {OriginPolicy} from './origin.js';
import {apiCors} from './routes/cors.js';
import {healthRoutes} from './routes/health.js';
import {environmentRoutes} from './routes/environments.js';
import {sessionRoutes, type SessionRoutesContext} from './routes/sessions.js';
import {shareRoutes} from './routes/shares.js';
import type {ShareRegistry} from '../sessions/share-registry.js';
import {notFoundPage, siteRoutes} from './routes/site.js';

export interface AppContext {
  config: SandboxConfig;
  runtime: ContainerRuntime;
  /** Creates sessions and owns the limits they are admitted under. */
  sessions: SessionManager;
  /** The page sessions' environments (steps run in them). */
  environments: EnvironmentRegistry;
  /** The shares of shared sessions (viewers join them on the session's socket path). */
  shares: ShareRegistry;
  blocks: () => ReadonlyMap<string, SandboxBlock>;
  originPolicy: OriginPolicy;
  siteDir?: string | undefined;
  /** True once close() began: new sessions are refused. */
  closing: () => boolean;
  log: LogFunction;
  /** For the engine answer's cache and its time-out. */
  clock: Clock;
  /** Who may create sessions; default from `config.auth`. */
  auth?: AuthVerifier | undefined;
  /** The site's base path and the API's (read per request: a redeploy may change them); default '/'. */
  basePaths?: (() => BasePaths) | undefined;
  /** The engine probe (its answers are cached); the server shares one with `/mcp`. Default: a new one. */
  probe?: EngineProbe | undefined;
  /** The `/mcp` route, when `server.mcp` is on (made by the server, which closes it). */
  mcp?: express.RequestHandler | undefined;
  /** In a cluster (`server.redis`): cluster-wide admission and the placement of new sessions. */
  cluster?: SessionRoutesContext['cluster'];
}

/**
 * Maps a request under the build's `baseUrl` onto the routes below, which all
 * live at '/': `<base>api/…` → `/api/…`, `<base>docs/x` → `/docs/x`. The API
 * base a request came in under is kept for the WebSocket path of its answer.
 */
function underBase(basePaths: () => BasePaths, node: string | undefined): RequestHandler {
  return (request, response, next) => {
    const url = request.url;
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    const route = routeUnderBase(pathname, basePaths());
    if (route.kind === 'redirect') {
      response.redirect(302, route.location + query);
      return;
    }
    if (route.kind === 'outside') {
      response.locals.outsideSite = true;
    } else if (route.kind === 'api') {
      const owned = underNode(route.path, node);
      if ('foreign' in owned) {
        next(new SandboxError('not-found', node ? `this gateway is node ${node}, not ${owned.foreign}` : 'this server is not a node of a cluster'));
        return;
      }
      request.url = owned.path + query;
      response.locals.apiBase = route.base;
      // Named this node in its path: never sent on to another (no redirect loops).
      if (owned.path !== route.path) response.locals.pinnedNode = true;
    } else {
      request.url = route.path + query;
    }
    next();
  };
}

export function createApp(context: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // One hop: the address the reverse proxy appended, never the left-most entry
  // of X-Forwarded-For, which the client writes itself.
  app.set('trust proxy', context.config.server.trustProxy ? 1 : false);
  const probe = context.probe ?? createEngineProbe(context.runtime, context.clock);

  app.use(underBase(context.basePaths ?? (() => ROOT_BASE_PATHS), context.config.server.node));
  app.use('/api', apiCors(context.originPolicy));
  app.use(healthRoutes({config: context.config, sessions: context.sessions, probe}));
  app.use(
    sessionRoutes({
      config: context.config,
      sessions: context.sessions,
      environments: context.environments,
      blocks: context.blocks,
      originPolicy: context.originPolicy,
      auth: context.auth ?? createAuthVerifier(context.config.auth),
      probe,
      closing: context.closing,
      cluster: context.cluster,
    }),
  );
  app.use(shareRoutes({findSession: (id) => context.sessions.get(id), shares: context.shares, originPolicy: context.originPolicy}));
  app.use(environmentRoutes({environments: context.environments, originPolicy: context.originPolicy, node: context.config.server.node}));
  if (context.mcp) app.use(context.mcp);
  app.all('/api/{*rest}', notFound('no such API endpoint'));
  if (context.siteDir) {
    const site = siteRoutes(context.siteDir);
    const outside = notFoundPage(context.siteDir);
    // A path outside the site's base gets the site's 404 page, never a file of the build.
    app.use((request, response, next) => (response.locals.outsideSite ? outside(request, response, next) : site(request, response, next)));
  }
  app.use(notFound('not found'));
  app.use(errorHandler(context.log));
  return app;
}
