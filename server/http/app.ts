/**
 * The Express application, composed from its route groups: CORS for the API,
 * health and readiness, session creation, the API's 404, the static site,
 * and the one error handler. Everything stateful comes in through
 * `AppContext`; the WebSocket upgrade lives in `upgrade.ts`.
 */
import express from 'express';
import type {SandboxBlock, SandboxConfig} from '../../config/index.js';
import {createAuthVerifier, type AuthVerifier} from '../auth/jwt.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime} from '../runtime/types.js';
import type {SessionManager} from '../sessions/manager.js';
import {createEngineProbe} from './engine.js';
import {errorHandler, notFound} from './errors.js';
import type {OriginPolicy} from './origin.js';
import {apiCors} from './routes/cors.js';
import {healthRoutes} from './routes/health.js';
import {sessionRoutes} from './routes/sessions.js';
import {siteRoutes} from './routes/site.js';

export interface AppContext {
  config: SandboxConfig;
  runtime: ContainerRuntime;
  /** Creates sessions and owns the limits they are admitted under. */
  sessions: SessionManager;
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
  /** The `/mcp` route, when `server.mcp` is on (made by the server, which closes it). */
  mcp?: express.RequestHandler | undefined;
}

export function createApp(context: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // One hop: the address the reverse proxy appended, never the left-most entry
  // of X-Forwarded-For, which the client writes itself.
  app.set('trust proxy', context.config.server.trustProxy ? 1 : false);
  const probe = createEngineProbe(context.runtime, context.clock);

  app.use('/api', apiCors(context.originPolicy));
  app.use(healthRoutes({config: context.config, sessions: context.sessions, probe}));
  app.use(
    sessionRoutes({
      config: context.config,
      sessions: context.sessions,
      blocks: context.blocks,
      originPolicy: context.originPolicy,
      auth: context.auth ?? createAuthVerifier(context.config.auth),
      probe,
      closing: context.closing,
    }),
  );
  if (context.mcp) app.use(context.mcp);
  app.all('/api/{*rest}', notFound('no such API endpoint'));
  if (context.siteDir) app.use(siteRoutes(context.siteDir));
  app.use(notFound('not found'));
  app.use(errorHandler(context.log));
  return app;
}
