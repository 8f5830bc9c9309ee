import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES} from '../../protocol/index.js';
import {decideOnClose, type CloseFacts} from '../closing.js';

const facts = (overrides: Partial<CloseFacts>): CloseFacts => ({
  code: 1006,
  exited: false,
  everOpened: true,
  attempts: 0,
  maxAttempts: 6,
  ...overrides,
});

describe('decideOnClose', () => {
  it('is done after an exit message, whatever the close code', () => {
    assert.deepEqual(decideOnClose(facts({exited: true, code: 1006})), {action: 'done'});
    assert.deepEqual(decideOnClose(facts({exited: true, code: CLOSE_CODES.normal})), {action: 'done'});
  });

  it('reconnects after an unexpected drop until the attempts run out', () => {
    assert.deepEqual(decideOnClose(facts({code: 1006})), {action: 'reconnect'});
    assert.deepEqual(decideOnClose(facts({code: CLOSE_CODES.goingAway, attempts: 5})), {action: 'reconnect'});
    assert.deepEqual(decideOnClose(facts({code: 1006, attempts: 6})), {action: 'lost'});
    assert.deepEqual(decideOnClose(facts({code: 1006, attempts: 6, everOpened: false})), {
      action: 'error',
      code: 'connection-failed',
    });
  });

  it('shows a session the server no longer has as lost', () => {
    assert.deepEqual(decideOnClose(facts({code: CLOSE_CODES.sessionEnded})), {action: 'lost'});
    assert.deepEqual(decideOnClose(facts({code: 1011, error: 'session-not-found'})), {action: 'lost'});
    assert.deepEqual(decideOnClose(facts({code: CLOSE_CODES.replaced})), {action: 'lost'});
  });

  it('reports server errors with their code', () => {
    assert.deepEqual(decideOnClose(facts({code: 1011, error: 'docker-unavailable'})), {action: 'error', code: 'docker-unavailable'});
    assert.deepEqual(decideOnClose(facts({code: CLOSE_CODES.policy})), {action: 'error', code: 'bad-message'});
    assert.deepEqual(decideOnClose(facts({code: 1011, error: 'session-ended', everOpened: false})), {
      action: 'error',
      code: 'session-ended',
    });
  });
});

describe('decideOnClose on a resume', () => {
  it('a resumed session the server ended is "expired"; without a resume it stays "lost"', () => {
    const base = {code: 4004, exited: false, error: 'session-ended' as const, everOpened: true, attempts: 0, maxAttempts: 6};
    assert.deepEqual(decideOnClose({...base, resuming: true}), {action: 'expired'});
    assert.deepEqual(decideOnClose(base), {action: 'lost'});
  });
});
