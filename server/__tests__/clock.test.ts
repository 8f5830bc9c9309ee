import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ManualClock} from '../../test/helpers/clock.js';
import {systemClock} from '../clock.js';

test('the manual clock fires timeouts once and intervals every period, in order', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`timeout@${clock.now()}`), 250);
  const every = clock.setInterval(() => fired.push(`interval@${clock.now()}`), 100);
  clock.advance(350);
  assert.deepEqual(fired, ['interval@100', 'interval@200', 'timeout@250', 'interval@300']);
  clock.clearInterval(every);
  clock.advance(1_000);
  assert.equal(fired.length, 4);
  assert.equal(clock.pendingTimers, 0);
});

test('the system clock runs intervals until cleared and never holds the process', async () => {
  let ticks = 0;
  let twice: () => void = () => undefined;
  const reachedTwo = new Promise<void>((resolve) => (twice = resolve));
  const handle = systemClock.setInterval(() => {
    ticks++;
    if (ticks === 2) twice();
  }, 5);
  // Wait for the second tick rather than a fixed time: a loaded machine may run timers late.
  const keepAlive = setTimeout(() => undefined, 10_000);
  await reachedTwo;
  clearTimeout(keepAlive);
  systemClock.clearInterval(handle);
  const seen = ticks;
  assert.ok(seen >= 2, `expected at least 2 ticks, saw ${seen}`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ticks, seen);
  assert.equal((handle.ref as NodeJS.Timeout).hasRef(), false);
});
