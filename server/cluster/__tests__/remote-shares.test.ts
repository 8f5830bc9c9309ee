import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES} from '../../../protocol/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {SandboxError} from '../../errors.js';
import type {ViewerTicket} from '../../sessions/share-registry.js';
import type {SessionPeer} from '../../sessions/session-types.js';
import {FakePeer} from '../../sessions/__tests__/fake-peer.js';
import {running} from '../../sessions/__tests__/session-setup.js';
import {ShareRegistry} from '../../sessions/share-registry.js';
import {ShareTokens} from '../../sessions/share-tokens.js';
import {joinRemote, RemoteViewer} from '../remote-viewer.js';
import {RELAY_PING_MS, RELAY_SILENCE_MS, ShareRelay} from '../share-relay.js';
import {MemoryBus} from './memory-bus.js';

const settle = async () => {
  for (let index = 0; index < 10; index++) await new Promise((resolve) => setImmediate(resolve));
};

/** An owner node with one shared session: the ticket records what its viewer does and hands out the relay's peer. */
function owner(bus: MemoryBus, clock: ManualClock, refuse?: SandboxError) {
  const seen = {input: [] as string[], left: 0, resyncs: 0, peer: undefined as SessionPeer | undefined};
  const ticket: ViewerTicket = {
    share: {id: 'share-1', mode: 'control', expiresAt: clock.now() + 60_000},
    join: (peer) => {
      seen.peer = peer;
      peer.send('{"type":"status","state":"running"}');
      return {receive: (data) => seen.input.push(data.toString()), leave: () => (seen.left += 1), resync: () => (seen.resyncs += 1)};
    },
  };
  const relay = new ShareRelay({
    bus,
    prefix: 'p:',
    node: 'n1',
    admit: (session) => {
      if (refuse) throw refuse;
      if (session !== 's1') throw new SandboxError('unauthorized', 'a valid share token is required');
      return ticket;
    },
    clock,
    log: () => {},
  });
  return {relay, seen};
}

async function joined(options: {bufferBytes?: number; resumeBytes?: number} = {}) {
  const bus = new MemoryBus();
  const clock = new ManualClock();
  const {relay, seen} = owner(bus, clock);
  await relay.start();
  const viewer = new RemoteViewer({bus, prefix: 'p:', owner: 'n1', session: 's1', token: 'tok', clock, viewer: 'V'.repeat(16), ...options});
  const accepted = await viewer.join();
  const socket = new FakePeer();
  const handle = viewer.attach(socket);
  await settle();
  return {bus, clock, relay, seen, viewer, socket, handle, accepted};
}

describe('a viewer on another gateway', () => {
  it('is admitted by the owner and gets what the owner sends, in order', async () => {
    const {viewer, socket, seen, accepted, relay} = await joined();
    assert.deepEqual(accepted, {mode: 'control', share: 'share-1'});
    assert.equal(viewer.state, 'live');
    assert.equal(relay.size, 1);
    seen.peer!.send(Buffer.from('hello '));
    seen.peer!.send(Buffer.from('world'));
    await settle();
    assert.deepEqual(socket.control, [{type: 'status', state: 'running'}], 'queued before the socket existed, then sent');
    assert.equal(socket.output, 'hello world');
  });

  it('carries its frames to the owner and its leave', async () => {
    const {handle, seen, relay, bus} = await joined();
    handle.receive(Buffer.from('ls\r'), true);
    await settle();
    assert.deepEqual(seen.input, ['ls\r']);
    handle.leave();
    await settle();
    assert.equal(seen.left, 1);
    assert.equal(relay.size, 0);
    assert.equal([...bus.handlers.keys()].some((channel) => channel.includes('VVVV')), false, 'both channels unsubscribed');
  });

  it('is closed with the owner’s code (a revoke: 4003)', async () => {
    const {seen, socket, viewer, relay} = await joined();
    seen.peer!.close(CLOSE_CODES.shareRevoked, 'the share was revoked');
    await settle();
    assert.deepEqual(socket.closed, {code: CLOSE_CODES.shareRevoked, reason: 'the share was revoked'});
    assert.equal(viewer.state, 'closed');
    assert.equal(relay.size, 0);
  });

  it('gets the owner’s refusal as the same error', async () => {
    const bus = new MemoryBus();
    const clock = new ManualClock();
    await owner(bus, clock, new SandboxError('too-many-viewers', 'full', {retryAfter: 10})).relay.start();
    const viewer = new RemoteViewer({bus, prefix: 'p:', owner: 'n1', session: 's1', token: 'tok', clock});
    await assert.rejects(viewer.join(), (error: unknown) => error instanceof SandboxError && error.code === 'too-many-viewers' && error.retryAfter === 10);
    assert.equal(viewer.state, 'closed');
  });

  it('gives up with node-unreachable when the owner never answers', async () => {
    const bus = new MemoryBus();
    const clock = new ManualClock();
    const viewer = new RemoteViewer({bus, prefix: 'p:', owner: 'n9', session: 's1', token: 'tok', clock, joinTimeoutMs: 100});
    const answer = viewer.join();
    await settle();
    clock.advance(100);
    await assert.rejects(answer, (error: unknown) => error instanceof SandboxError && error.code === 'node-unreachable');
  });

  it('drops output beyond its socket’s bound and lets the owner’s fresh screen through once drained', async () => {
    const {seen, socket} = await joined({bufferBytes: 10, resumeBytes: 4});
    socket.bufferedAmount = 8;
    seen.peer!.send(Buffer.from('too much'));
    await settle();
    assert.equal(seen.resyncs, 1, 'the owner is asked for a fresh screen');
    seen.peer!.send(Buffer.from('dropped'));
    seen.peer!.send('{"type":"snapshot","cols":80,"rows":24}');
    await settle();
    assert.equal(socket.output, '');
    assert.equal(seen.resyncs, 2, 'not drained: asked again');
    socket.bufferedAmount = 0;
    seen.peer!.send('{"type":"snapshot","cols":80,"rows":24}');
    seen.peer!.send(Buffer.from('screen'));
    await settle();
    assert.equal(socket.output, 'screen');
    assert.equal(socket.control.at(-1)?.type, 'snapshot');
  });

  it('the owner’s publishes that Redis has not taken count as the relay peer’s unsent bytes; refused ones ask for a resync', async () => {
    const {seen, bus} = await joined();
    bus.stalled = true;
    seen.peer!.send(Buffer.alloc(1000));
    assert.ok(seen.peer!.bufferedAmount > 1000);
    bus.release();
    await settle();
    assert.equal(seen.peer!.bufferedAmount, 0);
    bus.failing = true;
    seen.peer!.send(Buffer.alloc(10));
    await settle();
    assert.equal(seen.resyncs, 1);
  });

  it('each side drops the other after RELAY_SILENCE_MS without a frame', async () => {
    const {clock, bus, socket, seen, relay} = await joined();
    bus.failing = true;
    for (let elapsed = 0; elapsed < RELAY_SILENCE_MS; elapsed += RELAY_PING_MS) {
      clock.advance(RELAY_PING_MS);
      await settle();
    }
    assert.equal(socket.closed?.code, CLOSE_CODES.internal);
    assert.equal(seen.left, 1);
    assert.equal(relay.size, 0);
  });
});

describe('joinRemote', () => {
  const context = (over: Partial<Parameters<typeof joinRemote>[0]> = {}) => ({
    bus: new MemoryBus(),
    prefix: 'p:',
    node: 'n2',
    verify: () => true,
    locate: async () => 'n1' as string | undefined,
    clock: new ManualClock(),
    ...over,
  });
  const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => (error instanceof SandboxError ? error.code : String(error)));

  it('refuses a bad token before asking anyone, and an unknown or local session alike', async () => {
    let asked = false;
    assert.equal(await codeOf(joinRemote(context({verify: () => false, locate: async () => ((asked = true), 'n1')}), 's1', 't')), 'unauthorized');
    assert.equal(asked, false);
    assert.equal(await codeOf(joinRemote(context({locate: async () => undefined}), 's1', 't')), 'unauthorized');
    assert.equal(await codeOf(joinRemote(context({locate: async () => 'n2'}), 's1', 't')), 'unauthorized');
  });

  it('answers node-unreachable when the directory does not answer', async () => {
    assert.equal(await codeOf(joinRemote(context({locate: () => Promise.reject(new Error('down'))}), 's1', 't')), 'node-unreachable');
  });

  it('joins through the owner named by the directory', async () => {
    const bus = new MemoryBus();
    const clock = new ManualClock();
    await owner(bus, clock).relay.start();
    const viewer = await joinRemote(context({bus, clock}), 's1', 'tok');
    assert.equal(viewer.state, 'accepted');
    assert.equal(viewer.mode, 'control');
  });
});

describe('a real shared session with a viewer on another gateway', () => {
  /** The mirror (xterm) parses on real timers. */
  const parsed = async () => {
    for (let index = 0; index < 5; index++) await new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
  };

  async function remoteShared(mode: 'view' | 'control', ttlMs = 60_000) {
    const context = await running();
    const {clock} = context;
    const registry = new ShareRegistry({
      tokens: new ShareTokens(Buffer.alloc(32, 7), clock),
      clock,
      limits: {maxViewersPerSession: 8, maxSharesPerSession: 4, sharesPerMinute: 10, messagesPerSecond: 100},
    });
    const bus = new MemoryBus();
    const relay = new ShareRelay({bus, prefix: 'p:', node: 'n1', admit: (id, token) => registry.admitViewer(id, token), clock, log: () => {}});
    await relay.start();
    context.container().output('before the share\r\n');
    await settle();
    const share = registry.create(context.session.shareSide, {mode, ttlMs, client: 'a'});
    const viewer = await joinRemote({bus, prefix: 'p:', node: 'n2', verify: () => true, locate: async () => 'n1', clock}, context.session.id, share.token);
    const socket = new FakePeer();
    const handle = viewer.attach(socket);
    await parsed();
    return {...context, registry, relay, share, viewer, socket, handle, bus};
  }

  it('gets the state, the current screen and live output; the owner sees it in the presence', async () => {
    const {socket, container, peer} = await remoteShared('view');
    assert.deepEqual(socket.control[0], {type: 'status', state: 'running'});
    assert.ok(socket.control.some((message) => message.type === 'snapshot'));
    assert.match(socket.output, /before the share/);
    assert.deepEqual(peer.control.filter((message) => message.type === 'presence').at(-1), {type: 'presence', viewers: 1, controllers: 0});
    container().output('live line\r\n');
    await parsed();
    assert.match(socket.output, /live line/);
  });

  it('a view viewer’s keys are refused on the owner; a control viewer’s reach the program', async () => {
    const view = await remoteShared('view');
    view.handle.receive(Buffer.from('nope'), true);
    await settle();
    assert.deepEqual(view.socket.control.filter((message) => message.type === 'error').map((message) => message.type === 'error' && message.code), ['view-only']);
    assert.equal(Buffer.concat(view.container().stdin).toString(), '');
    const control = await remoteShared('control');
    control.handle.receive(Buffer.from('yes'), true);
    await settle();
    assert.equal(Buffer.concat(control.container().stdin).toString(), 'yes');
  });

  it('a revoke closes it with 4003; the session’s end brings it the exit and 1000', async () => {
    const revoked = await remoteShared('view');
    revoked.registry.revoke(revoked.session.id, revoked.share.id);
    await settle();
    assert.equal(revoked.socket.closed?.code, CLOSE_CODES.shareRevoked);
    assert.equal(revoked.relay.size, 0);
    const ended = await remoteShared('view');
    ended.container().exit(0);
    await parsed();
    assert.equal(ended.socket.control.at(-1)?.type, 'exit');
    assert.equal(ended.socket.closed?.code, CLOSE_CODES.normal);
    assert.equal(ended.relay.size, 0);
  });

  it('an expired share closes it with 4003 too', async () => {
    const {clock, socket} = await remoteShared('control', 10_000);
    clock.advance(10_000);
    await settle();
    assert.equal(socket.closed?.code, CLOSE_CODES.shareRevoked);
  });

  it('nothing is published for a shared session once its remote viewers left', async () => {
    const {handle, bus, container, relay} = await remoteShared('view');
    handle.leave();
    await settle();
    assert.equal(relay.size, 0);
    const before = bus.published.length;
    container().output('after the remote viewer left\r\n');
    await parsed();
    assert.deepEqual(bus.published.slice(before), []);
  });

  it('a viewer socket that falls behind on its gateway gets the owner’s fresh screen once drained', async () => {
    const {socket, container, clock} = await remoteShared('view');
    const snapshots = () => socket.control.filter((message) => message.type === 'snapshot').length;
    const first = snapshots();
    socket.bufferedAmount = 10 * 1024 * 1024;
    container().output('lost while behind\r\n');
    await parsed();
    assert.doesNotMatch(socket.output, /lost while behind/);
    socket.bufferedAmount = 0;
    // The owner's feed resyncs at most once a second, polling every 50 ms.
    for (let step = 0; step < 25; step++) {
      clock.advance(50);
      await settle();
    }
    assert.equal(snapshots(), first + 1);
    assert.match(socket.output, /lost while behind/, 'the fresh screen holds what was dropped');
    container().output('live again\r\n');
    await parsed();
    assert.match(socket.output, /live again/);
  });
});
