import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {createMetrics} from '../../metrics.js';
import {errorCodeOf, outcomeOf, sessionIdOfPath, SessionTracker} from '../metering.js';
import type {Session} from '../../sessions/session.js';

/** The part of a Session the tracker reads. */
const fakeSession = (id: string) => {
  const fake = {id, state: 'running', hasPeer: true, outputBytes: 5, terminate: () => {}};
  return fake as typeof fake & Session;
};

describe('metering', () => {
  it('maps end reasons to outcomes, paths to session ids, bodies to codes', () => {
    assert.equal(outcomeOf('oom'), 'oom');
    assert.equal(outcomeOf('sandbox-lost'), 'error');
    assert.equal(sessionIdOfPath('/api/sessions/Ab_9-x/ws?token=t'), 'Ab_9-x');
    assert.equal(sessionIdOfPath('/api/sessions/x/other'), undefined);
    assert.equal(errorCodeOf('{"error":{"code":"rate-limited","message":"m"}}'), 'rate-limited');
    assert.equal(errorCodeOf('<html>'), undefined);
  });

  it('counts a session active until it ends, by its logged reason or as killed when it ends quietly', async () => {
    const metrics = createMetrics({defaultMetrics: false});
    const tracker = new SessionTracker(metrics, {highWaterMark: 10, lowWaterMark: 5});
    try {
      const first = fakeSession('a');
      const second = fakeSession('b');
      tracker.created(first, {env: 'shell', client: '1.2.3.4'});
      tracker.created(second, {env: 'python', client: '1.2.3.4'});
      assert.equal(tracker.list().length, 2);
      let text = await metrics.registry.metrics();
      assert.match(text, /sandbox_active_sessions\{env="shell"\} 1/);
      tracker.onEvent('session ended', {session: 'a', reason: 'timeout'});
      tracker.onEvent('session ended', {session: 'a', reason: 'timeout'});
      second.state = 'ended';
      tracker.refresh();
      text = await metrics.registry.metrics();
      assert.match(text, /sandbox_active_sessions\{env="shell"\} 0/);
      assert.match(text, /sandbox_active_sessions\{env="python"\} 0/);
      assert.match(text, /sandbox_sessions_total\{env="shell",outcome="timeout"\} 1/);
      assert.match(text, /sandbox_sessions_total\{env="python",outcome="killed"\} 1/);
      assert.deepEqual(tracker.list(), []);
    } finally {
      tracker.dispose();
    }
  });
});
