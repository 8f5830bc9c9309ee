import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {FakePeer} from './fake-peer.js';
import {running, setup, tick} from './session-setup.js';

describe('Session input and control messages', () => {
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
    const open = context.runtime.holdStarts();
    const peer = new FakePeer();
    context.session.attach(peer);
    const started = context.session.start();
    context.session.receive(Buffer.from('early'), true, peer);
    open();
    await started;
    assert.equal(Buffer.concat(context.container().stdin).toString(), 'early');
  });
});
