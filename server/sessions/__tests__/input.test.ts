import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Writable} from 'node:stream';
import {MAX_EARLY_INPUT, TerminalInput} from '../input.js';

class Source {
  paused = false;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

/** A stdin that takes `capacity` bytes before it reports full; `release()` lets it drain. */
function stdin(highWaterMark = 16 * 1024) {
  const written: Buffer[] = [];
  const pending: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      written.push(Buffer.from(chunk));
      pending.push(() => callback());
    },
  });
  const release = () => {
    while (pending.length > 0) pending.shift()!();
  };
  return {stream, written, release, text: () => Buffer.concat(written).toString()};
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TerminalInput', () => {
  it('keeps input typed before the container runs and writes it first once connected', () => {
    const input = new TerminalInput<Source>(() => true);
    const source = new Source();
    input.write(Buffer.from('ear'), source);
    input.write(Buffer.from('ly'), source);
    assert.equal(input.earlyBytes, 5);
    const target = stdin();
    input.connect(target.stream);
    input.write(Buffer.from('!'), source);
    target.release();
    assert.equal(target.text(), 'early!');
    assert.equal(input.earlyBytes, 0);
  });

  it('keeps at most MAX_EARLY_INPUT bytes; a chunk that does not fit is dropped', () => {
    const input = new TerminalInput<Source>(() => true);
    const source = new Source();
    input.write(Buffer.alloc(MAX_EARLY_INPUT - 1, 'a'), source);
    input.write(Buffer.from('bc'), source);
    input.write(Buffer.from('d'), source);
    assert.equal(input.earlyBytes, MAX_EARLY_INPUT);
    const target = stdin(2 * MAX_EARLY_INPUT);
    input.connect(target.stream);
    target.release();
    assert.equal(target.text(), 'a'.repeat(MAX_EARLY_INPUT - 1) + 'd');
  });

  it('pauses the socket while stdin is full and resumes it on drain, with one drain listener', async () => {
    const input = new TerminalInput<Source>(() => true);
    const source = new Source();
    const target = stdin(1024);
    input.connect(target.stream);
    for (let i = 0; i < 10; i++) input.write(Buffer.alloc(1024), source);
    assert.equal(source.paused, true);
    assert.equal(input.paused, true);
    assert.equal(target.stream.listenerCount('drain'), 1);
    for (let i = 0; i < 20; i++) {
      target.release();
      await tick();
    }
    assert.equal(source.paused, false);
    assert.equal(input.paused, false);
  });

  it('does not resume a socket that is no longer the session’s', async () => {
    let current = true;
    const input = new TerminalInput<Source>(() => current);
    const source = new Source();
    const target = stdin(16);
    input.connect(target.stream);
    input.write(Buffer.alloc(64), source);
    assert.equal(source.paused, true);
    current = false;
    target.release();
    await tick();
    assert.equal(source.paused, true);
    assert.equal(input.paused, false);
  });

  it('interrupt writes ETX once connected, nothing before; dispose drops kept input and later writes', () => {
    const input = new TerminalInput<Source>(() => true);
    const source = new Source();
    input.interrupt();
    input.write(Buffer.from('kept'), source);
    input.dispose();
    input.dispose();
    assert.equal(input.earlyBytes, 0);
    const target = stdin();
    input.connect(target.stream);
    input.write(Buffer.from('late'), source);
    input.interrupt();
    assert.equal(target.text(), '');

    const live = new TerminalInput<Source>(() => true);
    const other = stdin();
    live.connect(other.stream);
    live.interrupt();
    other.release();
    assert.equal(other.text(), '\x03');
  });
});
