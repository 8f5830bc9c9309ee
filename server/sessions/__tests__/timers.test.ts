import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {PhaseTimers} from '../timers.js';

type Purpose = 'a' | 'b';
type Phase = 'one' | 'two' | 'three';
const owners = {a: ['one', 'two'], b: ['one']} as const satisfies Record<Purpose, readonly Phase[]>;

describe('PhaseTimers', () => {
  it('fires a timer once, then forgets it', () => {
    const clock = new ManualClock();
    const timers = new PhaseTimers<Purpose, Phase>(clock, owners);
    let fired = 0;
    timers.set('a', 100, () => (fired += 1));
    assert.deepEqual(timers.armed, ['a']);
    clock.advance(99);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    assert.equal(timers.has('a'), false);
    clock.advance(1000);
    assert.equal(fired, 1);
  });

  it('setting a purpose again replaces its timer', () => {
    const clock = new ManualClock();
    const timers = new PhaseTimers<Purpose, Phase>(clock, owners);
    const fired: string[] = [];
    timers.set('a', 100, () => fired.push('first'));
    timers.set('a', 300, () => fired.push('second'));
    clock.advance(200);
    assert.deepEqual(fired, []);
    clock.advance(100);
    assert.deepEqual(fired, ['second']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('a timer may set its own purpose again from its callback', () => {
    const clock = new ManualClock();
    const timers = new PhaseTimers<Purpose, Phase>(clock, owners);
    let fired = 0;
    const again = () => {
      fired += 1;
      if (fired < 3) timers.set('a', 10, again);
    };
    timers.set('a', 10, again);
    clock.advance(100);
    assert.equal(fired, 3);
    assert.equal(timers.has('a'), false);
  });

  it('entering a phase clears the timers it does not own and keeps the others', () => {
    const clock = new ManualClock();
    const timers = new PhaseTimers<Purpose, Phase>(clock, owners);
    const fired: string[] = [];
    timers.set('a', 100, () => fired.push('a'));
    timers.set('b', 100, () => fired.push('b'));
    timers.enter('one');
    assert.deepEqual(timers.armed.sort(), ['a', 'b']);
    timers.enter('two');
    assert.deepEqual(timers.armed, ['a']);
    timers.enter('three');
    assert.deepEqual(timers.armed, []);
    clock.advance(1000);
    assert.deepEqual(fired, []);
    assert.equal(clock.pendingTimers, 0);
  });

  it('clears one purpose or all, harmlessly when none is armed', () => {
    const clock = new ManualClock();
    const timers = new PhaseTimers<Purpose, Phase>(clock, owners);
    timers.clear('a');
    timers.set('a', 100, () => assert.fail('cleared'));
    timers.set('b', 100, () => assert.fail('cleared'));
    timers.clear('a');
    assert.deepEqual(timers.armed, ['b']);
    timers.clearAll();
    timers.clearAll();
    clock.advance(1000);
    assert.equal(clock.pendingTimers, 0);
  });
});
