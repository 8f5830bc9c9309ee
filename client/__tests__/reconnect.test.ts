import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ReconnectSchedule} from '../reconnect.js';

describe('ReconnectSchedule', () => {
  it('counts attempts with growing delays and starts over after an open', () => {
    const schedule = new ReconnectSchedule({baseMs: 100, capMs: 1000}, () => 0.5);
    assert.equal(schedule.everOpened, false);
    assert.deepEqual(schedule.nextAttempt(), {attempt: 1, delayMs: 100});
    assert.deepEqual(schedule.nextAttempt(), {attempt: 2, delayMs: 200});
    assert.equal(schedule.attempts, 2);
    schedule.opened();
    assert.equal(schedule.everOpened, true);
    assert.equal(schedule.attempts, 0);
    assert.deepEqual(schedule.nextAttempt(), {attempt: 1, delayMs: 100});
  });

  it('uses the default backoff (1 s first) when given none', () => {
    assert.deepEqual(new ReconnectSchedule(undefined, () => 0.5).nextAttempt(), {attempt: 1, delayMs: 1000});
  });
});
