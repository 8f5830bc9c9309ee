/**
 * The Express application: health, readiness, session creation, the static
 * site. Everything stateful comes in through `AppContext`; the WebSocket
 * upgrade lives in `upgrade.ts`.
 */
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import express, {type NextFunction, type Request, type Response} from 'express';
import type {SandboxBlock, SandboxConfig} from '../../config/index.js';
import {sessionSocketPath, type CreateSessionResponse, type ErrorBody} from '../../protocol/index.js';
import {httpStatusOf, isSandboxError, SandboxError, toClientError} from '../errors.js';
import type {ContainerRuntime, EngineInfo} from '../runtime/types.js';
import {createAuthVerifier, type AuthVerifier, type Principal} from '../auth/jwt.js';
import {Admission} from '../sessions/admission.js';
import {systemClock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {SessionManager} from '../sessions/manager.js';
import {originAllowed, type OriginPolicy} from './origin.js';
import {resolveSessionRequest} from './request.js';

export interface AppContext {
  config: SandboxConfig;
  runtime: ContainerRuntime;
  sessions: SessionManager;
  blocks: () => ReadonlyMap<string, SandboxBlock>;
  originPolicy: OriginPolicy;
  siteDir?: string | undefined;
  /** True once close() began: new sessions are refused. */
  closing: () => boolean;
  log: LogFunction;
  /** Who may create sessions; default from `config.auth`. */
  auth?: AuthVerifier | undefined;
  /**
   * The limiter decided before any container exists (per client, per user,
   * global, per minute); default one from `config.server`. The session store
   * keeps its own per-client admission as a second line with the same limits.
   */
  admission?: Admission | undefined;
}

/** Engine answers are cached briefly: POST /api/sessions must not pay a Docker round trip each time. */
const ENGINE_CACHE_MS = 2_000;
const ENGINE_CHECK_TIMEOUT_MS = 3_000;

export function sendError(response: Response, error: unknown): void {
  const body: ErrorBody = {error: toClientError(error)};
  if (isSandboxError(error) && error.retryAfter !== undefined) response.set('Retry-After', String(error.retryAfter));
  response.status(httpStatusOf(error)).json(body);
}

/** The address limits are counted against: the socket's, or X-Forwarded-For's with trustProxy. */
export const clientAddress = (request: Request): string => request.ip ?? request.socket.remoteAddress ?? 'unknown';

export function createApp(context: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // One hop: the address the reverse proxy appended, never the left-most entry
  // of X-Forwarded-For, which the client writes itself.
  app.set('trust proxy', context.config.server.trustProxy ? 1 : false);
  const auth = context.auth ?? createAuthVerifier(context.config.auth);
  const admission = context.admission ?? new Admission(context.config.server, systemClock);
  context.sessions.observe({ended: (session) => admission.sessionEnded(session.id)});

  let engineCache: {at: number; info: Promise<EngineInfo>} | undefined;
  const engine = (): Promise<EngineInfo> => {
    const now = Date.now();
    if (!engineCache || now - engineCache.at > ENGINE_CACHE_MS) {
      const info = Promise.race([
        context.runtime.engine(),
        new Promise<EngineInfo>((resolveInfo) =>
          setTimeout(() => resolveInfo({reachable: false, runtimes: [], error: 'the engine did not answer in time'}), ENGINE_CHECK_TIMEOUT_MS).unref(),
        ),
      ]).catch((error: unknown): EngineInfo => ({reachable: false, runtimes: [], error: String(error)}));
      engineCache = {at: now, info};
    }
    return engineCache.info;
  };
  const imagesPresent = new Set<string>();
  const hasImage = async (image: string): Promise<boolean> => {
    if (imagesPresent.has(image)) return true;
    const present = await context.runtime.hasImage(image).catch(() => false);
    if (present) imagesPresent.add(image);
    return present;
  };

  const checkOrigin = (request: Request, _response: Response, next: NextFunction) => {
    const allowed = originAllowed(
      request.get('origin'),
      {host: request.get('host'), secure: request.secure},
      context.originPolicy,
    );
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

  // CORS for the allowed origins only: a site served elsewhere (or `docusaurus
  // start` on another port) POSTs JSON cross-origin, which needs a preflight.
  app.use('/api', (request, response, next) => {
    const origin = request.get('origin');
    const allowed =
      origin !== undefined &&
      originAllowed(origin, {host: request.get('host'), secure: request.secure}, {...context.originPolicy, allowNoOrigin: false});
    response.vary('Origin');
    if (allowed) {
      response.set('Access-Control-Allow-Origin', origin);
      response.set('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (request.method !== 'OPTIONS') {
      next();
      return;
    }
    if (!allowed) {
      next(new SandboxError('origin-not-allowed', 'requests from this origin are not allowed'));
      return;
    }
    response.set('Access-Control-Allow-Methods', 'GET, POST');
    response.set('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    response.set('Access-Control-Max-Age', '600');
    response.status(204).end();
  });

  app.get('/api/health', async (_request, response) => {
    const info = await engine();
    response.json({
      status: 'ok',
      engine: {reachable: info.reachable, version: info.version ?? null},
      sessions: context.sessions.activeCount,
    });
  });

  app.get('/api/ready', async (_request, response) => {
    const info = await engine();
    if (!info.reachable) {
      sendError(response, new SandboxError('docker-unavailable', 'the Docker engine does not answer', {expose: true}));
      return;
    }
    const missing: string[] = [];
    for (const [name, env] of Object.entries(context.config.environments)) {
      if (!(await hasImage(env.image))) missing.push(`${name} (${env.image})`);
    }
    if (missing.length > 0) {
      sendError(
        response,
        new SandboxError('image-missing', `images missing: ${missing.join(', ')}; run \`docusaurus-sandbox images build\``, {expose: true}),
      );
      return;
    }
    response.json({status: 'ready', engine: {version: info.version ?? null}});
  });

  app.post(
    '/api/sessions',
    checkOrigin,
    authenticate,
    express.json({limit: context.config.server.bodyLimit, type: () => true}),
    async (request, response) => {
      if (context.closing()) throw new SandboxError('at-capacity', 'the server is shutting down', {retryAfter: 5, expose: true});
      const sessionRequest = resolveSessionRequest(request.body, {
        config: context.config,
        blocks: context.blocks(),
        client: clientAddress(request),
      });
      const principal = response.locals.principal as Principal | undefined;
      // Limits before anything costs a Docker call or a container (issue 5, point 3).
      const release = admission.admit(sessionRequest.client, principal?.user);
      let created: ReturnType<SessionManager['create']>;
      try {
        const info = await engine();
        if (!info.reachable) throw new SandboxError('docker-unavailable', 'the Docker engine does not answer', {retryAfter: 10});
        if (!(await hasImage(sessionRequest.spec.env.image))) {
          throw new SandboxError('image-missing', `image ${sessionRequest.spec.env.image} is missing`);
        }
        created = context.sessions.create(sessionRequest);
      } catch (error) {
        release();
        throw error;
      }
      const {session, token} = created;
      admission.hold(session.id, release);
      // A session that ended before the hold (a synchronous failure) frees its slot now.
      if (session.state === 'ended') admission.sessionEnded(session.id);
      const body: CreateSessionResponse = {id: session.id, token, ws: sessionSocketPath(session.id)};
      response.status(201).json(body);
    },
  );

  app.all('/api/{*rest}', (_request, _response, next) => {
    next(new SandboxError('not-found', 'no such API endpoint'));
  });

  if (context.siteDir) {
    const root = resolve(context.siteDir);
    // `extensions` serves `docs/intro.html` at `/docs/intro` (Docusaurus with trailingSlash: false);
    // directories with index.html cover the default layout.
    app.use(express.static(root, {index: 'index.html', redirect: true, fallthrough: true, extensions: ['html']}));
    const notFoundPage = join(root, '404.html');
    app.use((request, response, next) => {
      if ((request.method === 'GET' || request.method === 'HEAD') && existsSync(notFoundPage)) {
        response.status(404).sendFile(notFoundPage);
        return;
      }
      next();
    });
  }

  app.use((_request, _response, next) => next(new SandboxError('not-found', 'not found')));

  // Express error handler (four arguments): the one place errors become responses.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const mapped = fromBodyParserError(error);
    if (!isSandboxError(mapped)) context.log('error', 'request failed', {error: String(error)});
    if (response.headersSent) return;
    sendError(response, mapped);
  });

  return app;
}

/** body-parser errors carry `type` and `status`; give them our codes. */
function fromBodyParserError(error: unknown): unknown {
  if (isSandboxError(error) || typeof error !== 'object' || error === null) return error;
  const type = (error as {type?: unknown}).type;
  if (type === 'entity.too.large') return new SandboxError('too-large', 'the request body is too large (server.bodyLimit)');
  if (type === 'entity.parse.failed') return new SandboxError('bad-request', 'the request body is not valid JSON');
  if (typeof type === 'string' && (error as {status?: unknown}).status === 400) {
    return new SandboxError('bad-request', 'the request body could not be read');
  }
  return error;
}
