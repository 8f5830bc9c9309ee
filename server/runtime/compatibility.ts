/**
 * When a warm container may serve a request: exactly when it was made with the
 * create options the request's own cold start would get. The key is computed
 * from those very options (hardening.ts), so a hardening input added there
 * changes the key without anyone keeping a list in step.
 */
import type Dockerode from 'dockerode';
import type {EnvironmentConfig} from '../../config/index.js';
import {hardenedCreateOptions} from './hardening.js';
import type {ContainerSpec} from './types.js';

/** Builds a container's create options (hardenedCreateOptions; a test passes another). */
export type CreateOptionsBuilder = (spec: ContainerSpec, instanceId: string, seedEnv: readonly string[]) => Dockerode.ContainerCreateOptions;

/**
 * What makes two environments' containers interchangeable: the create options
 * of a placeholder session, without what differs per session and is set at
 * take (name, labels, the variables carrying command, size, shell and seed).
 */
export function hardeningKey(env: EnvironmentConfig, build: CreateOptionsBuilder = hardenedCreateOptions): string {
  const spec: ContainerSpec = {sessionId: 'pool', envName: 'pool', env, files: [], cmd: '', interactive: false, cols: 80, rows: 24};
  const {name: _name, Labels: _labels, Env: _variables, ...shared} = build(spec, 'pool', []);
  return JSON.stringify(shared);
}
