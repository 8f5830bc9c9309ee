/**
 * `POST /api/sessions`: origin, then authentication, then the body, then the
 * limits, then the engine, and only then a container. Each step refuses
 * before the next one costs anything.
 */
import express, {Router, type NextFunction, type Request, type Response} from 'express';
import type {SandboxBlock, SandboxConfig} from '../../../config/index.js';
import {sessionSocketPath, type CreateSessionResponse} from '../../../protocol/index.js';
import type {AuthVerifier, Principal} from '../../auth/jwt.js';
import {SandboxError} from '../../errors.js';
import type {SessionManager} from '../../sessions/manager.js';
import type {EngineProbe} from '../engine.js';
import {originAllowed, type OriginPolicy} from '../origin.js';
import type {EnvironmentRegistry, PreparedStep} from '../../environments/registry.js';
import {earlierSteps, resolveSessionRequest, stepSpecOf} from '../request.js';

export interface SessionRoutesContext {
  config: SandboxConfig;
  sessions: Pick<SessionManager, 'admit' | 'create'>;
  /** The page sessions' environments: a step of one runs in its reader's. */
  environments: Pick<EnvironmentRegistry, 'prepare'>;
  blocks: () => ReadonlyMap<string, SandboxBlock>;
  originPolicy: OriginPolicy;
  auth: AuthVerifier;
  probe: EngineProbe;
  /** True once close() began: new sessions are refused. */
  closing: () => boolean;
}

/** The address limits are counted against: the socket's, or X-Forwarded-For's with trustProxy. */
export const clientAddress = (request: Request): string => request.ip ?? request.socket.remoteAddress ?? 'unknown';

export function sessionRoutes(context: SessionRoutesContext): Router {
  const {config, sessions, auth, probe} = context;
  const router = Router();

  const checkEngine = async (image: string) => {
    const info = await probe.engine();
    if (!info.reachable) throw new SandboxError('docker-unavailable', 'the Docker engine does not answer', {retryAfter: 10});
    if (!(await probe.hasImage(image))) throw new SandboxError('image-missing', `image ${image} is missing`);
  };

  const answer = ({session, token}: ReturnType<SessionManager['create']>, response: Response): CreateSessionResponse => {
    // Under the base the request came in by (the site's for a bare /api/…), so a proxy that forwards only the site's path reaches it.
    const base = typeof response.locals.apiBase === 'string' ? response.locals.apiBase : '/';
    return {id: session.id, token, ws: sessionSocketPath(session.id, base)};
  };

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
      if (context.closing()) throw new SandboxError('at-capacity', 'the server is shutting down', {retryAfter: 5, expose: true});
      const sessionRequest = resolveSessionRequest(request.body, {
        config,
        blocks: context.blocks(),
        client: clientAddress(request),
      });
      const principal = response.locals.principal as Principal | undefined;
      const {step} = sessionRequest;
      if (step) {
        // A step: its environment's one slot is taken when the environment is
        // made, and the environment's checks come after the engine's.
        await checkEngine(sessionRequest.spec.env.image);
        const resolution = {config, blocks: context.blocks(), client: sessionRequest.client};
        const stepSpec = stepSpecOf(sessionRequest, step);
        const prepared: PreparedStep = context.environments.prepare({
          session: step.session,
          step: stepSpec,
          environment: step.environment,
          catchUp: step.catchUp ? earlierSteps(step, resolution) : undefined,
          admit: () => sessions.admit(sessionRequest.client, principal?.user),
        });
        let created: ReturnType<SessionManager['create']>;
        try {
          // The step's command as its environment's shell runs it (stepCommand).
          created = sessions.create({...sessionRequest, spec: stepSpec.spec}, () => {}, {runtime: prepared.runtime});
        } catch (error) {
          prepared.cancel();
          throw error;
        }
        const body: CreateSessionResponse = {...answer(created, response), environment: prepared.info};
        response.status(201).json(body);
        return;
      }
      // Limits before anything costs a Docker call or a container.
      const slot = sessions.admit(sessionRequest.client, principal?.user);
      let created: ReturnType<SessionManager['create']>;
      try {
        await checkEngine(sessionRequest.spec.env.image);
        // The session keeps the slot from here until it ends.
        created = sessions.create(sessionRequest, slot);
      } catch (error) {
        slot();
        throw error;
      }
      response.status(201).json(answer(created, response));
    },
  );

  return router;
}
