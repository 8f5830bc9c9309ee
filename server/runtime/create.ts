/**
 * The server's runtime from its config: DockerRuntime, wrapped in a
 * PooledRuntime when any environment has `poolSize > 0`.
 */
import type {SandboxConfig} from '../../config/index.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import {DockerRuntime} from './docker.js';
import {PooledRuntime} from './pool.js';
import type {StartObservation} from './pool-types.js';
import type {ContainerRuntime} from './types.js';

export interface CreateRuntimeOptions {
  config: SandboxConfig;
  instanceId: string;
  /** One clock for the engine runtime and its pool: a warm container's age is read on both. */
  clock?: Clock | undefined;
  log?: LogFunction | undefined;
  onStart?: ((observation: StartObservation) => void) | undefined;
  onWarmChange?: ((envName: string, ready: number) => void) | undefined;
}

export function createRuntime(options: CreateRuntimeOptions): ContainerRuntime {
  const docker = new DockerRuntime({instanceId: options.instanceId, ...(options.clock ? {clock: options.clock} : {})});
  const pooled = Object.values(options.config.environments).some((env) => env.poolSize > 0);
  if (!pooled) return docker;
  return new PooledRuntime({
    runtime: docker,
    environments: options.config.environments,
    maxContainers: options.config.server.maxSessions,
    // Filled only once the server owns its instance id (startBackground).
    fillOnCreate: false,
    ...(options.clock ? {clock: options.clock} : {}),
    ...(options.log ? {log: options.log} : {}),
    ...(options.onStart ? {onStart: options.onStart} : {}),
    ...(options.onWarmChange ? {onWarmChange: options.onWarmChange} : {}),
  });
}
