import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SandboxError} from '../../errors.js';
import {EXPIRED_KEEP_MS} from '../session.js';
import {FakePeer} from './fake-peer.js';
import {running, setup, tick} from './session-setup.js';

describe('Session', () => {
  it('reports starting then running, forwards output and ends with the exit code', async () => {
    const {session, peer, container, events} = await running();
    assert.deepEqual(
      peer.control.filter((message) => message.type === 'status'),
      [
        {type: 'status', state: 'starting'},
        {type: 'status', state: 'running'},
      ],
    );
    container().output('hello\r\n');
    container().exit(3);
    await tick();
    await tick();
    assert.equal(peer.output, 'hello\r\n');
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 3, reason: 'exit'});
    assert.deepEqual(peer.closed, {code: 1000, reason: 'exit'});
    assert.equal(session.state, 'ended');
    assert.equal(container().removed, 1);
    assert.deepEqual(events, ['ended', 'gone']);
  });

  it('keeps the output of a quick program for a client that connects late', async () => {
    const context = setup({timeouts: {firstConnect: 30_000, idle: 60_000}});
    await context.session.start();
    const stream = context.container().stream;
    context.container().output('early bird\r\n');
    // The exit is known, but the stream has not ended: its data waits unread.
    context.container().exitOnly(0);
    await tick();
    context.clock.advance(9_000); // past several drain fallbacks, before the run timeout
    assert.equal(context.session.state, 'running');
    const peer = new FakePeer();
    context.session.attach(peer);
    stream.push(null);
    await tick();
    await tick();
    assert.equal(peer.output, 'early bird\r\n');
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 0, reason: 'exit'});
  });

  it('output held back by the output rate still reaches the reader before the exit', async () => {
    const context = setup({outputRate: 1000, timeouts: {idle: 60_000, run: 60_000}});
    const peer = new FakePeer();
    context.session.attach(peer);
    await context.session.start();
    for (let index = 0; index < 7; index++) context.container().output(Buffer.alloc(1000, 'x'));
    // The engine reports the exit while most of it still waits behind the rate.
    context.container().exitOnly(0);
    for (let step = 0; step < 1000 && !peer.control.some((message) => message.type === 'exit'); step++) {
      context.clock.advance(10);
      await tick();
    }
    assert.equal(peer.output.length, 7000, 'every byte, none cut by the drain fallback');
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 0, reason: 'exit'});
  });

  it('reports oom when the engine says OOMKilled even with exit code 0', async () => {
    const {peer, container} = await running();
    container().exit(0, true);
    await tick();
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 137, reason: 'oom'});
  });

  for (const [name, advance, reason, timeouts] of [
    ['run timeout', 10_000, 'timeout', {idle: 20_000}],
    ['idle timeout', 5_000, 'idle', {}],
  ] as const) {
    it(`ends with reason ${reason} after the ${name}`, async () => {
      const {clock, peer, container} = await running(timeouts);
      clock.advance(advance);
      await tick();
      assert.deepEqual(container().kills, ['SIGKILL']);
      assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 137, reason});
      assert.equal(peer.closed?.code, 1000);
    });
  }

  it('keeps an active session past the idle timeout', async () => {
    const {clock, session, container} = await running();
    for (let i = 0; i < 4; i++) {
      clock.advance(2_000);
      container().output('.');
      await tick();
    }
    assert.equal(session.state, 'running');
  });

  it('ends at the maximum lifetime even when interactive', async () => {
    const context = setup({interactive: true, timeouts: {idle: 1_000_000, lifetime: 50_000}});
    const peer = new FakePeer();
    context.session.attach(peer);
    await context.session.start();
    context.clock.advance(49_000);
    assert.equal(context.session.state, 'running', 'no run timeout for interactive sessions');
    context.clock.advance(1_000);
    await tick();
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 137, reason: 'timeout'});
  });

  it('ends with output-limit at the output cap', async () => {
    const context = setup({outputLimit: 4});
    const peer = new FakePeer();
    context.session.attach(peer);
    await context.session.start();
    context.container().output('123456');
    await tick();
    assert.equal(peer.output, '1234');
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 137, reason: 'output-limit'});
  });

  it('a SIGKILL while starting ends the session with killed and leaves no container', async () => {
    const context = setup();
    const open = context.runtime.holdStarts();
    const peer = new FakePeer();
    context.session.attach(peer);
    const started = context.session.start();
    context.session.receive(Buffer.from('{"type":"signal","signal":"SIGKILL"}'), false, peer);
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: -1, reason: 'killed'});
    open();
    await started;
    assert.equal(context.runtime.containers.length, 0);
  });

  it('sends a stable error code when the start fails and frees its slot', async () => {
    const context = setup();
    context.runtime.failWith = new SandboxError('image-missing', 'docker said: no such image /var/lib/secret');
    const peer = new FakePeer();
    context.session.attach(peer);
    await context.session.start();
    assert.deepEqual(peer.control.at(-1), {type: 'error', code: 'image-missing', message: 'the environment is not installed on this server'});
    assert.equal(peer.closed?.code, 1011);
    assert.deepEqual(context.events, ['ended', 'gone']);
  });

  it('keeps a failure for a socket that connects late, then forgets it', async () => {
    const context = setup();
    context.runtime.failWith = new Error('boom');
    await context.session.start();
    assert.deepEqual(context.events, ['ended']);
    const peer = new FakePeer();
    context.session.attach(peer);
    assert.deepEqual(peer.control, [{type: 'error', code: 'internal', message: 'internal server error'}]);
    context.clock.advance(3_000);
    assert.deepEqual(context.events, ['ended', 'gone']);
  });

  it('removes the container when no socket comes back within the grace period', async () => {
    const {clock, session, peer, container, events} = await running();
    session.detach(peer);
    clock.advance(2_999);
    assert.equal(session.state, 'running');
    const again = new FakePeer();
    session.attach(again);
    session.detach(again);
    clock.advance(3_000);
    await tick();
    assert.equal(session.state, 'ended');
    assert.equal(container().removed, 1);
    assert.deepEqual(events, ['ended'], 'the slot is free; the session still answers a late resume');
    clock.advance(EXPIRED_KEEP_MS);
    assert.deepEqual(events, ['ended', 'gone']);
  });

  it('removes a session nobody connects to once its token could no longer be used', async () => {
    const context = setup({timeouts: {firstConnect: 8_000}});
    await context.session.start();
    context.clock.advance(7_999);
    assert.equal(context.session.state, 'running', 'the reconnect grace does not apply before the first socket');
    context.clock.advance(1);
    await tick();
    assert.equal(context.session.state, 'ended');
    assert.equal(context.container().removed, 1);
  });

  it('closes a replaced socket with 4001', async () => {
    const {session, peer} = await running();
    const next = new FakePeer();
    session.attach(next);
    assert.equal(peer.closed?.code, 4001);
    assert.deepEqual(next.control[0], {type: 'status', state: 'running'});
    assert.equal(next.control[1]?.type, 'resume-token');
  });

  it('shuts down with 1001 and removes the container, twice harmlessly', async () => {
    const {session, peer, container} = await running();
    await session.shutdown();
    await session.shutdown();
    assert.equal(peer.closed?.code, 1001);
    assert.equal(container().removed, 1);
  });

  it('removes a container that finishes starting after shutdown', async () => {
    const context = setup();
    const open = context.runtime.holdStarts();
    const started = context.session.start();
    const shut = context.session.shutdown();
    open();
    await started;
    await shut;
    assert.equal(context.runtime.containers.length, 0, 'the aborted start made no container');
  });
});
