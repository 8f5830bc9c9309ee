import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {LogLevel} from '../../log.js';
import type {ReapFilter} from '../../runtime/types.js';
import {longestLifetime, Sweep, SWEEP_MARGIN_MS} from '../sweep.js';

const flush = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};

function setup(maxLifetimeMs: number, reap: (filter: ReapFilter) => Promise<number> = async () => 0) {
  const clock = new ManualClock();
  const calls: string[] = [];
  const reaps: ReapFilter[] = [];
  const logs: Array<[LogLevel, string, Record<string, unknown> | undefined]> = [];
  const sweep = new Sweep({
    clock,
    maxLifetimeMs,
    prune: () => calls.push('prune'),
    ensureOwnership: async () => void calls.push('ensure'),
    reap: (filter) => {
      calls.push('reap');
      reaps.push(filter);
      return reap(filter);
    },
    log: (level, message, details) => logs.push([level, message, details]),
  });
  return {clock, calls, reaps, logs, sweep};
}

describe('sweep', () => {
  it('takes the longest lifetime of any environment and the default limits', () => {
    const config = normalizeConfig({limits: {maxLifetime: '5m'}, environments: {python: {limits: {maxLifetime: '2h'}}}});
    assert.equal(longestLifetime(config), 2 * 3_600_000);
    assert.equal(longestLifetime(normalizeConfig({limits: {maxLifetime: '1s', timeout: '1s'}})), 1_000);
  });

  it('once started, prunes, takes the lease again and reaps containers older than the longest lifetime plus the margin, every interval', async () => {
    const {clock, calls, reaps, sweep} = setup(1_000);
    clock.advance(5_000);
    assert.deepEqual(calls, [], 'nothing before start()');
    sweep.start();
    sweep.start();
    assert.equal(sweep.intervalMs, 1_000);
    clock.advance(1_000);
    assert.deepEqual(calls, ['prune', 'ensure', 'reap']);
    assert.deepEqual(reaps, [{olderThanMs: 1_000 + SWEEP_MARGIN_MS}]);
    clock.advance(2_000);
    assert.equal(reaps.length, 3);
    sweep.dispose();
    sweep.dispose();
    clock.advance(10_000);
    assert.equal(reaps.length, 3);
    assert.equal(clock.pendingTimers, 0);
  });

  it('sweeps at least once a minute however long the lifetimes', () => {
    const {clock, reaps, sweep} = setup(3_600_000);
    assert.equal(sweep.intervalMs, 60_000);
    sweep.start();
    clock.advance(60_000);
    assert.equal(reaps.length, 1);
    sweep.dispose();
  });

  it('logs what it removed and a failure, never throws', async () => {
    let answer: () => Promise<number> = async () => 2;
    const {logs, sweep} = setup(1_000, () => answer());
    sweep.runOnce();
    await flush();
    answer = async () => {
      throw new Error('engine away');
    };
    sweep.runOnce();
    await flush();
    assert.deepEqual(logs, [
      ['info', 'swept expired containers', {count: 2}],
      ['warn', 'sweep failed', {error: 'Error: engine away'}],
    ]);
  });

  it('does not start once disposed (a close during the start)', () => {
    const {clock, sweep} = setup(1_000);
    sweep.dispose();
    sweep.start();
    assert.equal(clock.pendingTimers, 0);
  });
});
