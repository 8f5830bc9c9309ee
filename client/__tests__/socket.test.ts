import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SocketHolder, type SocketEvents} from '../socket.js';
import {FakeSocket} from './fake-socket.js';

function events() {
  const seen: unknown[][] = [];
  const handlers: SocketEvents = {
    open: (socket) => seen.push(['open', socket]),
    frame: (data) => seen.push(['frame', data]),
    closed: (code) => seen.push(['closed', code]),
  };
  return {seen, handlers};
}

describe('SocketHolder', () => {
  it('opens with the subprotocols, binary frames as ArrayBuffer, and sends only while open', () => {
    const holder = new SocketHolder();
    const {seen, handlers} = events();
    let socket: FakeSocket | undefined;
    assert.equal(holder.open((url, protocols) => (socket = new FakeSocket(url, protocols)), 'ws://x/ws', ['a', 'b'], handlers), true);
    assert.deepEqual(socket!.protocols, ['a', 'b']);
    assert.equal(socket!.binaryType, 'arraybuffer');
    holder.send('early');
    assert.equal(holder.isOpen, false);
    socket!.open();
    assert.equal(holder.isOpen, true);
    holder.send('hi');
    socket!.message('text');
    assert.deepEqual(socket!.sent, ['hi']);
    assert.deepEqual(seen, [
      ['open', socket],
      ['frame', 'text'],
    ]);
  });

  it('forgets a socket that closed on its own, then reports the close', () => {
    const holder = new SocketHolder();
    const {seen, handlers} = events();
    let socket: FakeSocket | undefined;
    holder.open((url, protocols) => (socket = new FakeSocket(url, protocols)), 'ws://x/ws', [], handlers);
    socket!.open();
    socket!.drop(1006);
    assert.equal(holder.isOpen, false);
    assert.deepEqual(seen.at(-1), ['closed', 1006]);
    holder.close();
    assert.equal(socket!.closedWith, undefined, 'a socket that closed itself is not closed again');
  });

  it('closes with 1000 and detaches the handlers, idempotently', () => {
    const holder = new SocketHolder();
    const {seen, handlers} = events();
    let socket: FakeSocket | undefined;
    holder.open((url, protocols) => (socket = new FakeSocket(url, protocols)), 'ws://x/ws', [], handlers);
    socket!.open();
    holder.close();
    holder.close();
    assert.equal(socket!.closedWith, 1000);
    assert.equal(socket!.onclose, null);
    assert.equal(socket!.onmessage, null);
    holder.send('late');
    assert.deepEqual(socket!.sent, []);
    assert.deepEqual(seen, [['open', socket]]);
  });

  it('reports a factory that throws and holds nothing', () => {
    const holder = new SocketHolder();
    const opened = holder.open(
      () => {
        throw new SyntaxError('bad subprotocol');
      },
      'ws://x/ws',
      [],
      events().handlers,
    );
    assert.equal(opened, false);
    assert.equal(holder.isOpen, false);
    holder.close();
  });

  it('swallows a close that throws', () => {
    const holder = new SocketHolder();
    holder.open(
      (url, protocols) => {
        const socket = new FakeSocket(url, protocols);
        socket.close = () => {
          throw new Error('InvalidStateError');
        };
        return socket;
      },
      'ws://x/ws',
      [],
      events().handlers,
    );
    assert.doesNotThrow(() => holder.close());
  });
});
