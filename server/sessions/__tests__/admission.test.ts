import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SandboxError} from '../../errors.js';
import {Admission} from '../admission.js';
import {ManualClock} from '../clock.js';

function rejection(action: () => unknown): SandboxError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SandboxError);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('Admission', () => {
  it('caps sessions globally with 503 at-capacity and Retry-After', () => {
    const admission = new Admission({maxSessions: 2, maxSessionsPerClient: 5, sessionsPerMinute: 100}, new ManualClock());
    const first = admission.admit('a');
    admission.admit('b');
    const error = rejection(() => admission.admit('c'));
    assert.equal(error.code, 'at-capacity');
    assert.equal(error.httpStatus, 503);
    assert.ok(error.retryAfter! > 0);
    first();
    first(); // releasing twice frees one slot only
    assert.equal(admission.activeCount, 1);
    admission.admit('c');
    rejection(() => admission.admit('d'));
  });

  it('caps running sessions per client with 429 too-many-sessions', () => {
    const admission = new Admission({maxSessions: 10, maxSessionsPerClient: 1, sessionsPerMinute: 100}, new ManualClock());
    const release = admission.admit('a');
    const error = rejection(() => admission.admit('a'));
    assert.equal(error.code, 'too-many-sessions');
    assert.equal(error.httpStatus, 429);
    admission.admit('b');
    release();
    admission.admit('a');
  });

  it('limits creations per client per minute and says when to retry', () => {
    const clock = new ManualClock();
    const admission = new Admission({maxSessions: 10, maxSessionsPerClient: 10, sessionsPerMinute: 2}, clock);
    admission.admit('a')();
    clock.advance(10_000);
    admission.admit('a')();
    const error = rejection(() => admission.admit('a'));
    assert.equal(error.code, 'rate-limited');
    assert.equal(error.httpStatus, 429);
    assert.equal(error.retryAfter, 50);
    clock.advance(50_000);
    admission.admit('a')();
  });

  it('forgets idle clients when pruned', () => {
    const clock = new ManualClock();
    const admission = new Admission({maxSessions: 10, maxSessionsPerClient: 10, sessionsPerMinute: 2}, clock);
    admission.admit('a')();
    admission.admit('b')();
    assert.equal(admission.trackedClients, 2);
    clock.advance(60_000);
    admission.prune();
    assert.equal(admission.trackedClients, 0);
  });
});
