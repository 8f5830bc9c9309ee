import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig, type EnvironmentConfig} from '../../../config/index.js';
import {hardeningKey, type CreateOptionsBuilder} from '../compatibility.js';
import {hardenedCreateOptions} from '../hardening.js';

describe('warm pool compatibility key', () => {
  const env = normalizeConfig({}).environments.shell!;

  it('follows every limit the create options use, and nothing a take sets', () => {
    for (const change of [{memory: env.limits.memory * 2}, {cpus: env.limits.cpus / 2}, {pids: 7}, {workspaceSize: 1}, {tmpSize: 1}, {nofile: 3}]) {
      assert.notEqual(hardeningKey({...env, limits: {...env.limits, ...change}}), hardeningKey(env), JSON.stringify(change));
    }
    assert.notEqual(hardeningKey({...env, runtime: 'runsc'}), hardeningKey(env));
    // Lifetimes are the session's, the shell is seeded at take, the pool size is the pool's.
    assert.equal(hardeningKey({...env, poolSize: 3, shell: 'bash', limits: {...env.limits, idleTimeout: 1}}), hardeningKey(env));
  });

  it('a hardening input added to the create options changes the key with no list to update', () => {
    type WithNewInput = EnvironmentConfig & {readonlyPaths?: string[]};
    // hardening.ts gains an input: a setting read from the environment.
    const extended: CreateOptionsBuilder = (spec, instanceId, seed) => {
      const options = hardenedCreateOptions(spec, instanceId, seed);
      return {...options, HostConfig: {...options.HostConfig, ReadonlyPaths: (spec.env as WithNewInput).readonlyPaths ?? []}};
    };
    const before: WithNewInput = {...env, readonlyPaths: ['/proc/kcore']};
    const after: WithNewInput = {...env, readonlyPaths: ['/proc/kcore', '/proc/sys']};
    assert.notEqual(hardeningKey(after, extended), hardeningKey(before, extended));
    assert.equal(hardeningKey(before, extended), hardeningKey({...before}, extended));
  });
});
