import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {binaryStringToBytes, HeldInput, inputBytes, MAX_HELD_INPUT} from '../input.js';

describe('input bytes', () => {
  it('encodes text as UTF-8 and passes bytes through', () => {
    assert.deepEqual(inputBytes('é'), new Uint8Array([0xc3, 0xa9]));
    const bytes = new Uint8Array([1, 2]);
    assert.equal(inputBytes(bytes), bytes);
  });

  it('sends a binary string one byte per char, keeping the low byte', () => {
    assert.deepEqual(binaryStringToBytes('\x1b[M\xa0\xff'), new Uint8Array([0x1b, 0x5b, 0x4d, 0xa0, 0xff]));
    assert.deepEqual(binaryStringToBytes('\u0141'), new Uint8Array([0x41]));
  });
});

describe('HeldInput', () => {
  it('holds up to the bound, in order, and refuses beyond it once visibly', () => {
    const held = new HeldInput(4);
    assert.equal(held.hold(new Uint8Array([1, 2])), 'held');
    assert.equal(held.hold(new Uint8Array([3, 4])), 'held');
    assert.equal(held.refused, false);
    assert.equal(held.hold(new Uint8Array([5])), 'first-refusal');
    assert.equal(held.hold(new Uint8Array([6])), 'refused');
    assert.equal(held.refused, true);
    assert.deepEqual(held.take(), [new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
  });

  it('taking empties the hold and forgets the refusal', () => {
    const held = new HeldInput(2);
    held.hold(new Uint8Array([1, 2, 3]));
    held.take();
    assert.equal(held.refused, false);
    assert.deepEqual(held.take(), []);
    assert.equal(held.hold(new Uint8Array([1, 2])), 'held');
  });

  it('holds MAX_HELD_INPUT bytes by default', () => {
    const held = new HeldInput();
    assert.equal(held.hold(new Uint8Array(MAX_HELD_INPUT)), 'held');
    assert.equal(held.hold(new Uint8Array(1)), 'first-refusal');
  });
});
