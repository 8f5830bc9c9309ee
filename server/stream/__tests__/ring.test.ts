import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {OutputRing} from '../ring.js';

const text = (buffers: Buffer[]) => Buffer.concat(buffers).toString();

describe('OutputRing', () => {
  it('returns exactly the bytes after an offset while they are kept', () => {
    const ring = new OutputRing(10);
    ring.append(Buffer.from('abc'));
    ring.append(Buffer.from('defg'));
    assert.deepEqual({start: ring.start, end: ring.end}, {start: 0, end: 7});
    assert.deepEqual({...ring.since(0), data: text(ring.since(0).data)}, {from: 0, truncated: false, data: 'abcdefg'});
    assert.equal(text(ring.since(2).data), 'cdefg');
    assert.equal(text(ring.since(3).data), 'defg');
    assert.equal(text(ring.since(7).data), '');
  });

  it('drops the oldest bytes beyond its capacity, splitting a chunk if needed', () => {
    const ring = new OutputRing(10);
    for (const chunk of ['0123', '4567', '89ab', 'cd']) ring.append(Buffer.from(chunk));
    assert.deepEqual({start: ring.start, end: ring.end}, {start: 4, end: 14});
    assert.equal(text(ring.since(4).data), '456789abcd');
    assert.equal(text(ring.since(9).data), '9abcd');
    const lost = ring.since(3);
    assert.deepEqual({from: lost.from, truncated: lost.truncated, data: text(lost.data)}, {from: 4, truncated: true, data: '456789abcd'});
  });

  it('keeps only the tail of a chunk larger than the capacity', () => {
    const ring = new OutputRing(4);
    ring.append(Buffer.from('abcdefgh'));
    assert.deepEqual({start: ring.start, end: ring.end}, {start: 4, end: 8});
    assert.equal(text(ring.since(6).data), 'gh');
  });

  it('treats an offset past the end as lost (never sent), and clear() empties it', () => {
    const ring = new OutputRing(8);
    ring.append(Buffer.from('abc'));
    assert.equal(ring.since(4).truncated, true);
    ring.clear();
    assert.equal(text(ring.since(3).data), '');
  });
});
