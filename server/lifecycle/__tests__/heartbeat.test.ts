import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {Heartbeat, type HeartbeatSocket} from '../heartbeat.js';

class FakeSocket implements HeartbeatSocket {
  pings = 0;
  terminated = false;
  #pong: (() => void) | undefined;
  ping(): void {
    this.pings += 1;
  }
  terminate(): void {
    this.terminated = true;
  }
  on(_event: 'pong', listener: () => void): this {
    this.#pong = listener;
    return this;
  }
  pong(): void {
    this.#pong?.call(this);
  }
}

describe('heartbeat', () => {
  it('pings every interval, keeps a socket that answers, terminates one that missed a whole interval', () => {
    const clock = new ManualClock();
    const answering = new FakeSocket();
    const silent = new FakeSocket();
    const heartbeat = new Heartbeat({clock, intervalMs: 1000, sockets: () => [answering, silent]});
    heartbeat.watch(answering);
    heartbeat.watch(silent);
    clock.advance(1000);
    assert.deepEqual([answering.pings, silent.pings], [1, 1]);
    answering.pong();
    clock.advance(1000);
    assert.equal(answering.terminated, false);
    assert.equal(answering.pings, 2);
    assert.equal(silent.terminated, true);
    heartbeat.dispose();
    heartbeat.dispose();
    assert.equal(clock.pendingTimers, 0);
  });
});
