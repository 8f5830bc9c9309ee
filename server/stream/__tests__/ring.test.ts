import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MAX_PAGE_BYTES, MIN_PAGE_BYTES, OutputRing} from '../ring.js';

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

  it('pages small chunks: many one-byte keys end up in a few buffers, in order', () => {
    const ring = new OutputRing(4 * MAX_PAGE_BYTES);
    let expected = '';
    for (let index = 0; index < 3 * MAX_PAGE_BYTES; index += 1) {
      const key = String.fromCharCode(97 + (index % 26));
      ring.append(Buffer.from(key));
      expected += key;
    }
    const {data} = ring.since(0);
    assert.equal(text(data), expected);
    // Doubling pages from MIN_PAGE_BYTES to MAX_PAGE_BYTES, then full pages: a handful, not one per key.
    assert.ok(data.length <= Math.log2(MAX_PAGE_BYTES / MIN_PAGE_BYTES) + 4, `${data.length} buffers`);
    assert.equal(text(ring.since(expected.length - 5).data), expected.slice(-5));
  });

  it('mixes copied small chunks and kept large ones, and drops across page borders', () => {
    const capacity = MAX_PAGE_BYTES - 100;
    const ring = new OutputRing(capacity);
    const large = Buffer.alloc(MAX_PAGE_BYTES / 2, 'L');
    let all = '';
    for (const chunk of [Buffer.from('abc'), large, Buffer.from('xyz'), Buffer.from('12345'), large, Buffer.from('end')]) {
      ring.append(chunk);
      all += chunk.toString();
    }
    assert.equal(ring.end, all.length);
    assert.equal(ring.start, all.length - capacity);
    assert.equal(text(ring.since(ring.start).data), all.slice(-capacity));
    for (const back of [1, 3, 4, 9, 100, MAX_PAGE_BYTES / 2 + 3, capacity]) {
      assert.equal(text(ring.since(all.length - back).data), all.slice(-back), `last ${back} bytes`);
    }
    assert.equal(ring.since(ring.start - 1).truncated, true);
  });

  it('returned views stay unchanged by later appends', () => {
    const ring = new OutputRing(1024);
    ring.append(Buffer.from('one'));
    const before = ring.since(0).data;
    ring.append(Buffer.from('two'));
    assert.equal(text(before), 'one');
    assert.equal(text(ring.since(0).data), 'onetwo');
  });
});
