import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {PassThrough} from 'node:stream';
import {ManualClock} from '../../../test/helpers/clock.js';
import {OutputPump} from '../../stream/pump.js';
import {PeerLink} from '../peer-link.js';
import {TIMER_OWNERS} from '../phase.js';
import type {ResumeDetails} from '../resume.js';
import {PhaseTimers} from '../timers.js';
import {FakePeer} from './fake-peer.js';

function link() {
  const clock = new ManualClock();
  const pump = new OutputPump({highWaterMark: 1000, lowWaterMark: 100, limit: 1_000_000, clock});
  const replays: ResumeDetails[] = [];
  const timers = new PhaseTimers(clock, TIMER_OWNERS);
  const absent: number[] = [];
  const peers = new PeerLink({
    pump,
    reconnectGrace: 3_000,
    onReplay: (details) => replays.push(details),
    timers,
    onAbsent: () => absent.push(clock.now()),
  });
  return {clock, pump, replays, timers, absent, link: peers};
}

describe('PeerLink', () => {
  it('greets a first socket with the state and a credential, without a replay', () => {
    const {link: peers, replays} = link();
    const peer = new FakePeer();
    peers.connect(peer, 'starting', undefined);
    assert.equal(peers.current, peer);
    assert.deepEqual(peer.control[0], {type: 'status', state: 'starting'});
    const token = peer.control[1];
    assert.ok(token?.type === 'resume-token' && token.graceMs === 3_000);
    assert.equal(peers.credential.accepts(token.token), true);
    assert.equal(peer.control.length, 2);
    assert.deepEqual(replays, []);
  });

  it('a second socket replaces the first (4001), gets a new credential and a replay', () => {
    const {link: peers, replays} = link();
    const first = new FakePeer();
    peers.connect(first, 'running', undefined);
    const second = new FakePeer();
    peers.connect(second, 'running', 0);
    assert.deepEqual(first.closed, {code: 4001, reason: 'replaced by a new connection'});
    assert.deepEqual(second.control.find((message) => message.type === 'replay'), {type: 'replay', from: 0, truncated: false});
    assert.deepEqual(replays, [{offset: 0, from: 0, truncated: false, replayedBytes: 0}]);
    const oldToken = first.control.find((message) => message.type === 'resume-token');
    assert.ok(oldToken?.type === 'resume-token');
    assert.equal(peers.credential.accepts(oldToken.token), false);
  });

  it('disconnect only lets go of the current socket; take hands it over once', () => {
    const {link: peers} = link();
    const peer = new FakePeer();
    peers.connect(peer, 'running', undefined);
    assert.equal(peers.disconnect(new FakePeer()), false);
    assert.equal(peers.disconnect(peer), true);
    assert.equal(peers.disconnect(peer), false);
    peers.connect(peer, 'running', undefined);
    assert.equal(peers.take(), peer);
    assert.equal(peers.take(), undefined);
    assert.equal(peers.current, undefined);
  });

  it('knows when the page went away: the last socket closed with 1001 and none came back', () => {
    const {link: peers} = link();
    const peer = new FakePeer();
    peers.connect(peer, 'running', undefined);
    assert.equal(peers.pageLeft, false);
    peers.disconnect(peer, 1006);
    assert.equal(peers.pageLeft, false, 'a dropped connection is not a closed page');
    peers.connect(peer, 'running', 0);
    peers.disconnect(peer, 1001);
    assert.equal(peers.pageLeft, true);
    peers.connect(new FakePeer(), 'running', 0);
    assert.equal(peers.pageLeft, false, 'a socket came back (a reload resumed)');
  });

  it('sends control messages only to an open socket', () => {
    const {link: peers} = link();
    peers.send({type: 'status', state: 'running'});
    const peer = new FakePeer();
    peers.connect(peer, 'running', undefined);
    peers.send({type: 'status', state: 'running'});
    peer.open = false;
    peers.send({type: 'status', state: 'running'});
    assert.equal(peer.control.filter((message) => message.type === 'status').length, 2);
  });

  it('waits for a first socket only when none is there, and for a dropped one to come back', () => {
    const {clock, timers, absent, link: peers} = link();
    const start = clock.now();
    peers.awaitFirst(8_000);
    assert.deepEqual(timers.armed, ['first-connect']);
    clock.advance(8_000);
    assert.deepEqual(absent, [start + 8_000]);

    const peer = new FakePeer();
    peers.connect(peer, 'running', undefined);
    peers.awaitFirst(8_000);
    assert.deepEqual(timers.armed, [], 'a socket is there already');
    peers.disconnect(peer);
    peers.awaitReturn(3_000);
    assert.deepEqual(timers.armed, ['reconnect-grace']);
    peers.connect(new FakePeer(), 'running', undefined);
    assert.deepEqual(timers.armed, [], 'the socket came back in time');
    clock.advance(10_000);
    assert.equal(absent.length, 1);
  });

  it('a socket that never came but dropped later waits for the reconnect grace instead of the first-connect', () => {
    const {clock, timers, absent, link: peers} = link();
    peers.awaitFirst(8_000);
    peers.awaitReturn(3_000);
    assert.deepEqual(timers.armed, ['reconnect-grace']);
    clock.advance(3_000);
    assert.equal(absent.length, 1);
    clock.advance(10_000);
    assert.equal(absent.length, 1);
  });

  it('output flows to the socket once the container stream arrives, and to a socket connected later', async () => {
    const {link: peers} = link();
    const first = new FakePeer();
    peers.connect(first, 'starting', undefined);
    const stream = new PassThrough();
    peers.feedFrom(stream);
    stream.write('hi');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(first.output, 'hi');
    const second = new FakePeer();
    peers.connect(second, 'running', 2);
    stream.write('!');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(second.output, '!');
  });
});
