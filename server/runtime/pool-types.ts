/**
 * The warm pool's seams: what a warm container and a warm-capable runtime
 * offer the pool (DockerRuntime and WarmSandbox are the real ones, unit tests
 * use scripted doubles), what it reports, and how it is configured.
 */
import type {EnvironmentConfig} from '../../config/index.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime, ContainerSpec, SandboxContainer} from './types.js';
import type {WarmContainerRequest} from './warm-seed.js';

/** A warm container as the pool sees it (WarmSandbox is the real one). */
/** Back-off after failed creations: the first delay and its cap (ms). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface WarmHandle {
  readonly id: string;
  /** When it became warm (ms, the pool's clock). */
  readonly readyAt: number;
  /** Settles if the container ends while warm. */
  readonly exited: Promise<unknown>;
  /** Not yet taken or removed. */
  readonly available: boolean;
  remove(): Promise<void>;
}

/** A runtime that can also make and seed warm containers (DockerRuntime). */
export interface WarmCapableRuntime<Warm extends WarmHandle = WarmHandle> extends ContainerRuntime {
  startWarm(request: WarmContainerRequest, options?: {signal?: AbortSignal | undefined}): Promise<Warm>;
  takeWarm(warm: Warm, spec: ContainerSpec, options?: {signal?: AbortSignal | undefined}): Promise<SandboxContainer>;
}

/** One container start as the pool saw it, for metrics and the benchmark. */
export interface StartObservation {
  envName: string;
  /** 'warm': taken from the pool; 'cold': created for this session. */
  source: 'warm' | 'cold';
  /** From `start()` to the command running (ms). */
  ms: number;
}

export interface PooledRuntimeOptions<Warm extends WarmHandle = WarmHandle> {
  runtime: WarmCapableRuntime<Warm>;
  /** Every environment; those with `poolSize > 0` get a pool. */
  environments: Readonly<Record<string, EnvironmentConfig>>;
  /** The global container cap (server.maxSessions). */
  maxContainers: number;
  /** Warm containers being created at once, all environments together. Default 2. */
  fillConcurrency?: number;
  /** Back-off after a failed creation: first delay and cap (ms). Default 1 s, 60 s. */
  backoff?: Backoff;
  /** Ages, back-offs and the one refill timer. Default: systemClock. */
  clock?: Clock;
  log?: LogFunction;
  onStart?: (observation: StartObservation) => void;
  /** Called when an environment's number of ready warm containers changes (a gauge). */
  onWarmChange?: (envName: string, ready: number) => void;
  /**
   * Begin filling at construction (default). A server passes false and calls
   * startBackground() once it owns its instance id: a pool filled earlier
   * would make containers a failed start-up must then clean away.
   */
  fillOnCreate?: boolean;
}
