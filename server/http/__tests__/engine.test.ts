import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {ContainerRuntime, EngineInfo} from '../../runtime/types.js';
import {createEngineProbe} from '../engine.js';

/** A runtime whose engine answers are scripted; counts the questions. */
function scriptedRuntime(answer: () => Promise<EngineInfo>) {
  const asked = {engine: 0, images: 0};
  const present = new Set(['present:1']);
  const runtime = {
    engine: () => {
      asked.engine += 1;
      return answer();
    },
    hasImage: async (image: string) => {
      asked.images += 1;
      return present.has(image);
    },
  } as unknown as ContainerRuntime;
  return {runtime, asked, present};
}

describe('engine probe', () => {
  it('caches the engine answer for two seconds of the clock, then asks again', async () => {
    const clock = new ManualClock();
    const {runtime, asked} = scriptedRuntime(async () => ({reachable: true, runtimes: [], version: '27'}));
    const probe = createEngineProbe(runtime, clock);
    assert.equal((await probe.engine()).version, '27');
    clock.advance(2_000);
    await probe.engine();
    assert.equal(asked.engine, 1);
    clock.advance(1);
    await probe.engine();
    assert.equal(asked.engine, 2);
  });

  it('an engine that does not answer within three seconds is unreachable; one that fails says why', async () => {
    const clock = new ManualClock();
    const {runtime} = scriptedRuntime(() => new Promise<EngineInfo>(() => {}));
    const waiting = createEngineProbe(runtime, clock).engine();
    clock.advance(3_000);
    assert.deepEqual(await waiting, {reachable: false, runtimes: [], error: 'the engine did not answer in time'});
    const failing = createEngineProbe(scriptedRuntime(async () => Promise.reject(new Error('socket hang up'))).runtime, clock);
    assert.deepEqual(await failing.engine(), {reachable: false, runtimes: [], error: 'Error: socket hang up'});
  });

  it('remembers a present image, asks again about a missing one', async () => {
    const {runtime, asked, present} = scriptedRuntime(async () => ({reachable: true, runtimes: []}));
    const probe = createEngineProbe(runtime, new ManualClock());
    assert.equal(await probe.hasImage('present:1'), true);
    assert.equal(await probe.hasImage('present:1'), true);
    assert.equal(await probe.hasImage('missing:1'), false);
    present.add('missing:1');
    assert.equal(await probe.hasImage('missing:1'), true);
    assert.equal(asked.images, 3);
  });
});
