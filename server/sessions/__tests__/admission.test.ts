import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Admission} from '../admission.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {rejection} from './rejection.js';

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

describe('Admission per user and snapshot', () => {
  it('counts users by id apart from addresses, honours claimed limits, and every counter returns to zero', () => {
    const clock = new ManualClock();
    const admission = new Admission({maxSessions: 10, maxSessionsPerClient: 10, sessionsPerMinute: 100, maxSessionsPerUser: 2}, clock);
    const alice = {id: 'alice', limits: {}};
    const releases = [admission.admit('10.0.0.1', alice), admission.admit('10.0.0.2', alice)];
    const error = rejection(() => admission.admit('10.0.0.3', alice));
    assert.equal(error.code, 'too-many-sessions');
    assert.equal(error.httpStatus, 429);
    releases.push(admission.admit('10.0.0.1', {id: 'bob', limits: {maxSessions: 3}}));
    assert.equal(rejection(() => admission.admit('10.0.0.1', {id: 'eve', limits: {maxSessions: 0}})).code, 'too-many-sessions');
    assert.deepEqual(
      {...admission.snapshot(), windowEntries: undefined},
      {active: 3, clients: 2, clientSessions: 3, users: 2, userSessions: 3, windowEntries: undefined, held: 0},
    );
    for (const release of releases) release();
    const snapshot = admission.snapshot();
    assert.deepEqual([snapshot.active, snapshot.clients, snapshot.users, snapshot.held], [0, 0, 0, 0]);
    assert.ok(snapshot.windowEntries > 0);
    clock.advance(60_000);
    assert.equal(admission.snapshot().windowEntries, 0, 'the rate windows empty after a minute');
  });

  it('a claimed sessionsPerMinute limits the user across addresses', () => {
    const admission = new Admission({maxSessions: 10, maxSessionsPerClient: 10, sessionsPerMinute: 100}, new ManualClock());
    const user = {id: 'carol', limits: {sessionsPerMinute: 1}};
    admission.admit('10.0.0.1', user)();
    const error = rejection(() => admission.admit('10.0.0.2', user));
    assert.equal(error.code, 'rate-limited');
    assert.ok(error.retryAfter! > 0);
  });

  it('hold keeps a slot until sessionEnded; dispose frees what is still held', () => {
    const admission = new Admission({maxSessions: 2, maxSessionsPerClient: 2, sessionsPerMinute: 100}, new ManualClock());
    admission.hold('s1', admission.admit('a'));
    admission.hold('s2', admission.admit('b'));
    assert.equal(admission.snapshot().held, 2);
    admission.sessionEnded('s1');
    admission.sessionEnded('s1');
    admission.sessionEnded('unknown');
    assert.deepEqual([admission.snapshot().active, admission.snapshot().held], [1, 1]);
    admission.dispose();
    admission.dispose();
    assert.deepEqual([admission.snapshot().active, admission.snapshot().held], [0, 0]);
  });
});
