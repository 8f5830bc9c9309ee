/** One environment's warm-pool state without an engine: taking, back-off, ages, the gauge. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {EnvironmentPool} from '../environment-pool.js';
import type {WarmHandle} from '../pool-types.js';

const config = normalizeConfig({environments: {shell: {poolSize: 2, limits: {maxLifetime: '10s'}}}});
const shell = config.environments.shell!;

function warm(id: string, readyAt: number, available = true): WarmHandle {
  return {id, readyAt, available, exited: new Promise(() => undefined), remove: async () => undefined};
}

describe('environment pool', () => {
  it('serves its own environment and any with the same create options, not one with other limits', () => {
    const pool = new EnvironmentPool('shell', shell);
    assert.equal(pool.size, 2);
    assert.equal(pool.serves(shell), true);
    assert.equal(pool.serves({...shell}), true);
    assert.equal(pool.serves({...shell, limits: {...shell.limits, memory: shell.limits.memory * 2}}), false);
  });

  it('hands out the oldest available container, skipping ones taken or removed meanwhile', () => {
    const pool = new EnvironmentPool('shell', shell);
    pool.ready.push(warm('gone', 1, false), warm('a', 2), warm('b', 3));
    assert.equal(pool.takeAvailable()?.id, 'a');
    assert.deepEqual(pool.ready.map((each) => each.id), ['b']);
    assert.equal(pool.takeAvailable()?.id, 'b');
    assert.equal(pool.takeAvailable(), undefined);
  });

  it('wants more while short of its size, not while backing off; a success ends the back-off', () => {
    const pool = new EnvironmentPool('shell', shell);
    assert.equal(pool.wantsMore(0), true);
    assert.equal(pool.failed(100, {initialMs: 30, maxMs: 120}), 30);
    assert.equal(pool.failed(100, {initialMs: 30, maxMs: 120}), 60);
    assert.equal(pool.retryAt, 160);
    assert.equal(pool.wantsMore(159), false);
    assert.equal(pool.nextDue(100), 160);
    assert.equal(pool.wantsMore(160), true);
    pool.succeeded();
    assert.deepEqual([pool.failures, pool.retryAt], [0, 0]);
    pool.creating = 1;
    pool.ready.push(warm('a', 0));
    assert.equal(pool.wantsMore(1_000), false);
  });

  it('gives up containers at their maximum age and is next due when the oldest reaches it', () => {
    const pool = new EnvironmentPool('shell', shell);
    assert.equal(pool.nextDue(0), Infinity);
    pool.ready.push(warm('old', 0), warm('young', 5_000));
    assert.equal(pool.nextDue(0), 10_000);
    assert.deepEqual(pool.expired(9_999), []);
    assert.deepEqual(pool.expired(10_000).map((each) => each.id), ['old']);
    assert.equal(pool.nextDue(10_000), 15_000);
  });

  it('reports the ready count only when it changed', () => {
    const pool = new EnvironmentPool('shell', shell);
    assert.equal(pool.readyChange(), 0);
    assert.equal(pool.readyChange(), undefined);
    pool.ready.push(warm('a', 0));
    assert.equal(pool.readyChange(), 1);
    assert.equal(pool.readyChange(), undefined);
  });
});
