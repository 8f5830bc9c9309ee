import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {FLOW_WINDOW_BYTES} from '../../../protocol/index.js';
import {REPLAY_BUFFER_BYTES} from '../../stream/ring.js';
import {FakePeer} from './fake-peer.js';
import {resumeTokenOf, running, setup, tick} from './session-setup.js';

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
