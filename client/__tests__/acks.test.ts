import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ACK_EVERY_BYTES} from '../../protocol/index.js';
import {AckCounter} from '../acks.js';

describe('AckCounter', () => {
  it('acknowledges in batches of the protocol default', () => {
    const acks = new AckCounter();
    assert.equal(acks.processed(ACK_EVERY_BYTES - 1), undefined);
    assert.equal(acks.processed(10), ACK_EVERY_BYTES + 9);
    assert.equal(acks.processed(1), undefined, 'the batch starts again after an ack');
  });

  it('takes a smaller batch size', () => {
    const acks = new AckCounter(100);
    assert.equal(acks.processed(99), undefined);
    assert.equal(acks.processed(1), 100);
  });

  it('starts a new socket with an empty window and tells old output apart', () => {
    const acks = new AckCounter(100);
    const before = acks.generation;
    acks.processed(60);
    acks.newSocket();
    assert.equal(acks.isCurrent(before), false);
    assert.equal(acks.isCurrent(acks.generation), true);
    assert.equal(acks.processed(60), undefined, 'bytes counted before the new socket are forgotten');
    assert.equal(acks.processed(40), 100);
  });
});
