/**
 * Opens a session from the body of `POST /api/sessions`, for the HTTP route
 * and the `/mcp` tools alike: the body checked, then the limits, then the
 * engine, and only then a container. A step of a page session runs in its
 * reader's environment, whose one admission slot is taken when it is made.
 */
import type {SandboxBlock, SandboxConfig} from '../../config/index.js';
import type {EnvironmentInfo} from '../../protocol/index.js';
import type {AdmissionUser} from '../sessions/admission.js';
import type {EnvironmentRegistry, PreparedStep} from '../environments/registry.js';
import {SandboxError} from '../errors.js';
import type {Session} from '../sessions/session.js';
import type {SessionManager} from '../sessions/manager.js';
import type {EngineProbe} from './engine.js';
import type {ClusterHold} from '../cluster/member.js';
import {earlierSteps, resolveSessionRequest, stepSpecOf} from './request.js';

export interface OpenSessionContext {
  config: SandboxConfig;
  sessions: Pick<SessionManager, 'admit' | 'create'>;
  environments: Pick<EnvironmentRegistry, 'prepare'>;
  blocks: () => ReadonlyMap<string, SandboxBlock>;
  probe: EngineProbe;
  /** True once close() began: new sessions are refused. */
  closing: () => boolean;
  /** In a cluster (`server.redis`): the limits held across all gateways, after this gateway's own. */
  cluster?: {admit(client: string): Promise<ClusterHold>; placed(decision: 'local' | 'full'): void} | undefined;
}

export interface OpenedSession {
  session: Session;
  token: string;
  /** Only for a step of a page session. */
  environment?: EnvironmentInfo;
}

/** Who asks: the address (or operator) the limits count against, and the authenticated user. */
export interface Requester {
  client: string;
  user?: AdmissionUser | undefined;
}

export async function openSession(context: OpenSessionContext, body: unknown, requester: Requester): Promise<OpenedSession> {
  const {config, sessions, probe} = context;
  if (context.closing()) throw new SandboxError('at-capacity', 'the server is shutting down', {retryAfter: 5, expose: true});
  const resolution = {config, blocks: context.blocks(), client: requester.client};
  const request = resolveSessionRequest(body, resolution);
  const checkEngine = async () => {
    const info = await probe.engine();
    if (!info.reachable) throw new SandboxError('docker-unavailable', 'the Docker engine does not answer', {retryAfter: 10});
    if (!(await probe.hasImage(request.spec.env.image))) throw new SandboxError('image-missing', `image ${request.spec.env.image} is missing`);
  };
  const {step} = request;
  if (step) {
    // A step in a running environment asks the engine nothing before its run: the
    // container is there, and an engine gone away fails the step's exec with a
    // clear code. (A stale probe answer cost 15-18 ms at p50, measured with the
    // steps bench.) A new environment needs the engine and its image first.
    if (!step.environment) await checkEngine();
    const stepSpec = stepSpecOf(request, step);
    const prepared: PreparedStep = context.environments.prepare({
      session: step.session,
      step: stepSpec,
      environment: step.environment,
      catchUp: step.catchUp ? earlierSteps(step, resolution) : undefined,
      admit: () => sessions.admit(requester.client, requester.user),
    });
    try {
      // The step's command as its environment's shell runs it (stepCommand); no slot of its own.
      const created = sessions.create({...request, spec: stepSpec.spec}, () => {}, {runtime: prepared.runtime});
      return {...created, environment: prepared.info};
    } catch (error) {
      prepared.cancel();
      throw error;
    }
  }
  // Limits before anything costs a Docker call or a container: this gateway's, then the cluster's.
  let local: () => void;
  try {
    local = sessions.admit(requester.client, requester.user);
  } catch (error) {
    // A full node answers 503 before anything else: the balancer then tries the next node.
    if (error instanceof SandboxError && error.code === 'at-capacity') context.cluster?.placed('full');
    throw error;
  }
  let hold: ClusterHold | undefined;
  try {
    hold = await context.cluster?.admit(requester.client);
  } catch (error) {
    local();
    throw error;
  }
  const slot = () => {
    local();
    hold?.release();
  };
  try {
    await checkEngine();
    // The session keeps the slot from here until it ends.
    const opened = sessions.create(request, slot);
    context.cluster?.placed('local');
    hold?.session(opened.session.id);
    return opened;
  } catch (error) {
    slot();
    throw error;
  }
}
