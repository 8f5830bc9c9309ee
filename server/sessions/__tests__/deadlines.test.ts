import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {DRAIN_FALLBACK_MS, SessionDeadlines} from '../deadlines.js';
import {TIMER_OWNERS} from '../phase.js';
import {PhaseTimers} from '../timers.js';

function deadlines(timeouts = {run: 10_000, idle: 5_000, lifetime: 60_000}) {
  const clock = new ManualClock();
  const timers = new PhaseTimers(clock, TIMER_OWNERS);
  const due: string[] = [];
  return {clock, timers, due, deadlines: new SessionDeadlines(clock, timers, timeouts, (reason) => due.push(reason))};
}

describe('SessionDeadlines', () => {
  it('the lifetime ends the session with timeout', () => {
    const {clock, due, deadlines: limits} = deadlines();
    limits.startLifetime();
    clock.advance(59_999);
    assert.deepEqual(due, []);
    clock.advance(1);
    assert.deepEqual(due, ['timeout']);
  });

  it('a non-interactive command has a run timeout; an interactive one does not', () => {
    const batch = deadlines({run: 10_000, idle: 1_000_000, lifetime: 1_000_000});
    batch.deadlines.startRunning(false);
    batch.clock.advance(10_000);
    assert.deepEqual(batch.due, ['timeout']);
    const interactive = deadlines({run: 10_000, idle: 1_000_000, lifetime: 1_000_000});
    interactive.deadlines.startRunning(true);
    interactive.clock.advance(100_000);
    assert.deepEqual(interactive.due, []);
    assert.deepEqual(interactive.timers.armed, ['idle']);
  });

  it('idle counts from the last activity and re-arms for the time left', () => {
    const {clock, due, deadlines: limits} = deadlines({run: 1_000_000, idle: 5_000, lifetime: 1_000_000});
    limits.startRunning(true);
    clock.advance(4_000);
    limits.touch();
    clock.advance(4_999);
    assert.deepEqual(due, [], 'active 4.999 s ago');
    clock.advance(1);
    assert.deepEqual(due, ['idle']);
  });

  it('its timers belong to the live phases: leaving them clears them', () => {
    const {clock, timers, due, deadlines: limits} = deadlines();
    limits.startLifetime();
    limits.startRunning(false);
    assert.deepEqual(timers.armed.sort(), ['idle', 'lifetime', 'run-timeout']);
    timers.enter('ended');
    clock.advance(100_000);
    assert.deepEqual(due, []);
  });

  it('the drain fallback waits while output is held back, then ends', () => {
    const {clock, timers, deadlines: limits} = deadlines();
    let heldBack = true;
    let drained = 0;
    limits.startDrainFallback(() => heldBack, () => (drained += 1));
    clock.advance(3 * DRAIN_FALLBACK_MS);
    assert.equal(drained, 0);
    assert.deepEqual(timers.armed, ['drain-fallback']);
    heldBack = false;
    clock.advance(DRAIN_FALLBACK_MS);
    assert.equal(drained, 1);
    assert.deepEqual(timers.armed, []);
  });
});
