import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_LIMITS, BUNDLED_ENVIRONMENTS} from '../../../config/index.js';
import {FLOW_WINDOW_BYTES} from '../../../protocol/index.js';
import {SandboxError} from '../../errors.js';
import {OutputRate} from '../../stream/rate.js';
import {REPLAY_BUFFER_BYTES} from '../../stream/ring.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {EXPIRED_KEEP_MS, Session, type SessionTimeouts} from '../session.js';
import {FakePeer} from './fake-peer.js';
import {FakeRuntime, type FakeContainer} from './fake-runtime.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(
  options: {timeouts?: Partial<SessionTimeouts>; outputLimit?: number; outputRate?: number; interactive?: boolean; messagesPerSecond?: number} = {},
) {
  const clock = new ManualClock();
  const runtime = new FakeRuntime();
  const events: string[] = [];
  const session = new Session({
    id: 'abc',
    spec: {
      sessionId: 'abc',
      envName: 'shell',
      env: {...BUNDLED_ENVIRONMENTS.shell!, network: false, poolSize: 0, limits: DEFAULT_LIMITS},
      files: [],
      cmd: 'true',
      interactive: options.interactive ?? false,
      cols: 80,
      rows: 24,
    },
    runtime,
    clock,
    timeouts: {run: 10_000, idle: 5_000, lifetime: 60_000, reconnectGrace: 3_000, firstConnect: 3_000, ...options.timeouts},
    outputLimit: options.outputLimit ?? 1_000_000,
    outputRate: options.outputRate ? new OutputRate(options.outputRate, clock) : undefined,
    highWaterMark: 1000,
    lowWaterMark: 100,
    messagesPerSecond: options.messagesPerSecond ?? 100,
    onEnded: () => events.push('ended'),
    onGone: () => events.push('gone'),
  });
  return {clock, runtime, session, events, container: () => runtime.containers[0] as FakeContainer};
}

async function running(timeouts: Partial<SessionTimeouts> = {}) {
  const context = setup({timeouts});
  const peer = new FakePeer();
  context.session.attach(peer);
  await context.session.start();
  return {...context, peer};
}

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

  it('writes input and Ctrl-C to the TTY, kills on SIGTERM with reason killed', async () => {
    const {session, peer, container} = await running();
    session.receive(Buffer.from('ls\r'), true, peer);
    session.receive(Buffer.from(JSON.stringify({type: 'signal', signal: 'SIGINT'})), false, peer);
    assert.equal(Buffer.concat(container().stdin).toString(), 'ls\r\x03');
    session.receive(Buffer.from(JSON.stringify({type: 'signal', signal: 'SIGTERM'})), false, peer);
    assert.deepEqual(container().kills, ['SIGTERM']);
    container().exit(143);
    await tick();
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 143, reason: 'killed'});
  });

  it('stops reading the socket while the program does not read its input', async () => {
    const {session, peer, container} = await running();
    const stream = container().stream;
    let release!: () => void;
    // A stdin that accepts one chunk and then blocks until released.
    stream._write = (_chunk, _encoding, callback) => {
      release = () => callback();
    };
    stream.setMaxListeners(3);
    for (let i = 0; i < 20; i++) session.receive(Buffer.alloc(8 * 1024), true, peer);
    assert.equal(peer.paused, true);
    assert.ok(stream.listenerCount('drain') <= 1, 'one drain listener, however many frames');
    for (let i = 0; i < 20; i++) {
      release();
      await tick();
    }
    assert.equal(peer.paused, false);
  });

  it('answers an invalid control message with bad-message and goes on', async () => {
    const {session, peer, container} = await running();
    session.receive(Buffer.from('{nope'), false, peer);
    assert.equal(peer.control.at(-1)?.type, 'error');
    assert.equal((peer.control.at(-1) as {code: string}).code, 'bad-message');
    session.receive(Buffer.from(JSON.stringify({type: 'resize', cols: 9999, rows: 40})), false, peer);
    assert.deepEqual(container().resizes, [[500, 40]]);
    assert.equal(session.state, 'running');
    assert.equal(peer.closed, undefined);
  });

  it('drops control messages over the rate with one message-rate error', async () => {
    const context = setup({messagesPerSecond: 3});
    const peer = new FakePeer();
    context.session.attach(peer);
    await context.session.start();
    for (let i = 0; i < 10; i++) context.session.receive(Buffer.from('{"type":"resize","cols":20,"rows":20}'), false, peer);
    assert.equal(context.container().resizes.length, 3);
    assert.equal(peer.control.filter((message) => message.type === 'error').length, 1);
    context.clock.advance(1000);
    context.session.receive(Buffer.from('{"type":"resize","cols":20,"rows":20}'), false, peer);
    assert.equal(context.container().resizes.length, 4);
  });

  it('keeps input typed while starting and delivers it once running', async () => {
    const context = setup();
    let open!: () => void;
    context.runtime.gate = new Promise((resolve) => (open = resolve));
    const peer = new FakePeer();
    context.session.attach(peer);
    const started = context.session.start();
    context.session.receive(Buffer.from('early'), true, peer);
    open();
    await started;
    assert.equal(Buffer.concat(context.container().stdin).toString(), 'early');
  });

  it('a SIGKILL while starting ends the session with killed and leaves no container', async () => {
    const context = setup();
    let open!: () => void;
    context.runtime.gate = new Promise((resolve) => (open = resolve));
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
    let open!: () => void;
    context.runtime.gate = new Promise((resolve) => (open = resolve));
    const started = context.session.start();
    const shut = context.session.shutdown();
    open();
    await started;
    await shut;
    assert.equal(context.runtime.containers.length, 0, 'the aborted start made no container');
  });
});

const resumeTokenOf = (peer: FakePeer): string => {
  const message = peer.control.findLast((item) => item.type === 'resume-token');
  assert.ok(message && message.type === 'resume-token', 'a resume token was sent');
  return message.token;
};

describe('Session resume and flow control (issues 6 and 7)', () => {
  it('issues a resume token on every attach; only the newest one is accepted', async () => {
    const {session, peer} = await running();
    const first = resumeTokenOf(peer);
    assert.equal(session.acceptsResume(first), true);
    assert.equal(session.acceptsResume(first.slice(1)), false);
    const next = new FakePeer();
    session.attach(next, {offset: 0});
    const second = resumeTokenOf(next);
    assert.notEqual(second, first);
    assert.equal(session.acceptsResume(first), false, 'rotated');
    assert.equal(session.acceptsResume(second), true);
  });

  it('replays exactly what the client missed, then live output, with no duplicate', async () => {
    const {session, peer, container} = await running();
    container().output('abc');
    container().output('def');
    await tick();
    assert.equal(peer.output, 'abcdef');
    session.detach(peer, 1006);
    container().output('ghi');
    await tick();
    const back = new FakePeer();
    // The client had only received "abc" before its connection died.
    session.attach(back, {offset: 3});
    assert.deepEqual(back.control.find((message) => message.type === 'replay'), {type: 'replay', from: 3, truncated: false});
    await tick();
    container().output('jkl');
    await tick();
    assert.equal(back.output, 'defghijkl');
    assert.equal(session.state, 'running');
  });

  it('says so when the missed part is no longer kept, and sends what is', async () => {
    const {session, peer, container} = await running();
    const total = REPLAY_BUFFER_BYTES + 44 * 1024;
    container().output(Buffer.alloc(total, 'x'));
    await tick();
    session.detach(peer, 1006);
    const back = new FakePeer();
    session.attach(back, {offset: 10});
    const replay = back.control.find((message) => message.type === 'replay');
    assert.deepEqual(replay, {type: 'replay', from: total - REPLAY_BUFFER_BYTES, truncated: true});
    assert.equal(back.output.length, REPLAY_BUFFER_BYTES);
  });

  it('a deliberate close (1000) ends the session at once, without the grace', async () => {
    const {session, peer, container} = await running();
    session.detach(peer, 1000);
    await tick();
    await tick();
    assert.equal(session.state, 'ended');
    assert.deepEqual(container().kills, ['SIGKILL']);
  });

  it('after the grace a resume is told the session expired (4004)', async () => {
    const {clock, session, peer} = await running();
    const token = resumeTokenOf(peer);
    session.detach(peer, 1006);
    clock.advance(3_000);
    await tick();
    assert.equal(session.acceptsResume(token), true, 'the credential still identifies the expired session');
    const late = new FakePeer();
    session.attach(late, {offset: 0});
    assert.equal(late.control[0]?.type, 'error');
    assert.equal(late.control[0]?.type === 'error' && late.control[0].code, 'session-ended');
    assert.match(late.control[0]?.type === 'error' ? late.control[0].message : '', /expired/);
    assert.deepEqual(late.closed, {code: 4004, reason: 'session expired'});
  });

  it('a program that ends while the client is away: the resume gets the rest, then the exit', async () => {
    const {session, peer, container} = await running();
    container().output('one ');
    await tick();
    session.detach(peer, 1006);
    container().output('two');
    container().exit(0);
    await tick();
    await tick();
    // The stream's end waits behind unread output: the session waits for its client (within the grace).
    assert.equal(session.state, 'running');
    const back = new FakePeer();
    session.attach(back, {offset: 2});
    await tick();
    await tick();
    assert.equal(session.state, 'ended');
    assert.equal(back.output, 'e two');
    assert.deepEqual(back.control.at(-1), {type: 'exit', code: 0, reason: 'exit'});
  });

  it('after hello, output stops at the flow window until the client acks; acks are not rate-limited', async () => {
    const context = setup({messagesPerSecond: 2, outputLimit: 4 * FLOW_WINDOW_BYTES});
    const peer = new FakePeer();
    context.session.attach(peer);
    // hello arrives while the container is still starting: the window must survive the start.
    context.session.receive(Buffer.from('{"type":"hello","acks":true}'), false, peer);
    await context.session.start();
    const chunk = Buffer.alloc(32 * 1024, 'y');
    const chunksPerWindow = FLOW_WINDOW_BYTES / chunk.length;
    for (let i = 0; i < 2 * chunksPerWindow; i += 1) context.container().output(chunk);
    await tick();
    assert.equal(peer.output.length, FLOW_WINDOW_BYTES);
    // More acks than the message rate allows per second: none may be dropped.
    for (let i = 0; i < chunksPerWindow; i += 1) context.session.receive(Buffer.from(`{"type":"ack","bytes":${chunk.length}}`), false, peer);
    await tick();
    assert.equal(peer.output.length, 2 * FLOW_WINDOW_BYTES);
    assert.equal(peer.control.some((message) => message.type === 'error'), false);
  });
});
