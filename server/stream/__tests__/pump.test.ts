import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {FakePeer} from '../../sessions/__tests__/fake-peer.js';
import {OutputPump} from '../pump.js';
import {OutputRate} from '../rate.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(limit = 1_000_000) {
  const clock = new ManualClock();
  const source = new PassThrough();
  let limited = 0;
  const pump = new OutputPump({highWaterMark: 100, lowWaterMark: 20, limit, clock, pollMs: 10, onLimit: () => (limited += 1)});
  return {clock, source, pump, limited: () => limited};
}

describe('OutputPump', () => {
  it('holds output until a socket is attached, then forwards it', async () => {
    const {source, pump} = setup();
    pump.setSource(source);
    source.write('early');
    await tick();
    const peer = new FakePeer();
    pump.attach(peer);
    await tick();
    assert.equal(peer.output, 'early');
  });

  it('pauses above the high-water mark and resumes below the low one', async () => {
    const {clock, source, pump} = setup();
    const peer = new FakePeer();
    pump.setSource(source);
    pump.attach(peer);
    peer.bufferedAmount = 150;
    source.write('a');
    await tick();
    assert.equal(pump.paused, true);
    assert.equal(source.isPaused(), true);
    source.write('b');
    await tick();
    assert.equal(peer.output, 'a', 'nothing forwarded while paused');
    peer.bufferedAmount = 50; // drained, but not below the low-water mark
    clock.advance(10);
    assert.equal(source.isPaused(), true);
    peer.bufferedAmount = 10;
    clock.advance(10);
    await tick();
    assert.equal(pump.paused, false);
    assert.equal(peer.output, 'ab');
  });

  it('holds a flood to the rate: a quarter second of burst, then the source waits out its debt', async () => {
    const clock = new ManualClock();
    const source = new PassThrough();
    const pump = new OutputPump({highWaterMark: 1e9, lowWaterMark: 1e8, limit: 1e9, clock, rate: new OutputRate(4000, clock)});
    const peer = new FakePeer();
    pump.setSource(source);
    pump.attach(peer);
    source.write(Buffer.alloc(900, 'a')); // within the 1000-byte burst
    await tick();
    assert.equal(source.isPaused(), false);
    source.write(Buffer.alloc(300, 'b')); // 200 bytes of debt: 50 ms at 4000 B/s
    await tick();
    assert.equal(source.isPaused(), true);
    source.write('c');
    await tick();
    assert.equal(peer.output.length, 1200, 'nothing more while throttled');
    clock.advance(49);
    assert.equal(source.isPaused(), true);
    clock.advance(1);
    await tick();
    assert.equal(peer.output.length, 1201, 'the debt is paid: the held byte goes out');
    assert.equal(source.isPaused(), true, 'and is itself a byte of debt (1 ms)');
    clock.advance(1);
    await tick();
    assert.equal(source.isPaused(), false);
    pump.dispose();
  });

  it('without a rate, never throttles', async () => {
    const {source, pump} = setup();
    const peer = new FakePeer();
    pump.setSource(source);
    pump.attach(peer);
    for (let i = 0; i < 50; i++) source.write(Buffer.alloc(10_000));
    await tick();
    assert.equal(source.isPaused(), false);
    assert.equal(peer.output.length, 500_000);
  });

  it('stops at the output cap, truncating the last chunk, and reports it once', async () => {
    const {source, pump, limited} = setup(5);
    const peer = new FakePeer();
    pump.setSource(source);
    pump.attach(peer);
    source.write('abc');
    source.write('defg');
    source.write('h');
    await tick();
    assert.equal(peer.output, 'abcde');
    assert.equal(pump.bytes, 5);
    assert.equal(limited(), 1);
  });

  it('gives back a chunk that arrives after the socket left', async () => {
    const {source, pump} = setup();
    const first = new FakePeer();
    pump.setSource(source);
    pump.attach(first);
    first.open = false;
    source.write('kept');
    await tick();
    assert.equal(first.output, '');
    const second = new FakePeer();
    pump.attach(second);
    await tick();
    assert.equal(second.output, 'kept');
  });

  it('is disposable twice and leaves the source paused', () => {
    const {source, pump} = setup();
    pump.setSource(source);
    pump.attach(new FakePeer());
    pump.dispose();
    pump.dispose();
    assert.equal(source.isPaused(), true);
    assert.equal(source.listenerCount('data'), 0);
  });
});

describe('OutputPump flow window and replay (issues 6 and 7)', () => {
  function windowed(window = 10) {
    const clock = new ManualClock();
    const source = new PassThrough();
    const pump = new OutputPump({highWaterMark: 1_000_000, lowWaterMark: 10, limit: 1_000_000, clock, window, replayBytes: 16});
    pump.setSource(source);
    return {source, pump};
  }

  it('never has more than the window unacknowledged once the client acks', async () => {
    const {source, pump} = windowed(10);
    const peer = new FakePeer();
    pump.attach(peer);
    pump.enableAcks();
    for (let i = 0; i < 10; i += 1) source.write('abcd');
    await tick();
    // The chunk that would overflow the window is split: exactly the window is in flight.
    assert.equal(peer.output, 'abcdabcdab');
    assert.equal(pump.inFlight, 10);
    assert.equal(source.isPaused(), true);
    pump.acknowledge(8);
    await tick();
    assert.equal(pump.inFlight, 10);
    assert.equal(peer.output.length, 18);
    pump.acknowledge(1_000);
    await tick();
    assert.equal(pump.inFlight, 10, 'an ack beyond what was sent is clamped: the window still applies');
    pump.acknowledge(10);
    await tick();
    pump.acknowledge(10);
    await tick();
    assert.equal(peer.output, 'abcd'.repeat(10), 'everything arrives, in order');
  });

  it('a client that never acks gets no window', async () => {
    const {source, pump} = windowed(10);
    const peer = new FakePeer();
    pump.attach(peer);
    for (let i = 0; i < 10; i += 1) source.write('abcd');
    await tick();
    assert.equal(peer.output.length, 40);
    assert.equal(pump.inFlight, 0);
  });

  it('replays from the ring before live output and counts it against the window', async () => {
    const {source, pump} = windowed(100);
    const first = new FakePeer();
    pump.attach(first);
    source.write('0123456789');
    await tick();
    pump.detach(first);
    const replay = pump.replayFrom(6);
    assert.deepEqual({from: replay.from, truncated: replay.truncated}, {from: 6, truncated: false});
    const second = new FakePeer();
    pump.attach(second, replay.data);
    pump.enableAcks();
    assert.equal(pump.inFlight, 4);
    source.write('ab');
    await tick();
    assert.equal(second.output, '6789ab');
  });
});
