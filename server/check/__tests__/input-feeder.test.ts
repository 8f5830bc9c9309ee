import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {InputFeeder, inputLines, PATIENCE_BEFORE_TYPING_MS, QUIET_BEFORE_TYPING_MS} from '../input-feeder.js';

function feeder(keys: string) {
  const clock = new ManualClock();
  const sent: string[] = [];
  const feed = new InputFeeder({keys, clock, send: (line) => sent.push(line)});
  return {clock, sent, feed};
}

describe('InputFeeder', () => {
  it('splits keystrokes into lines that end with Enter', () => {
    assert.deepEqual(inputLines('Ada\r7\r'), ['Ada\r', '7\r']);
    assert.deepEqual(inputLines('a\tb\rrest'), ['a\tb\r', 'rest']);
    assert.deepEqual(inputLines(''), []);
  });

  it('types each line once the program is quiet after its prompt, not when it starts', () => {
    const {clock, sent, feed} = feeder('Ada\r7\r');
    feed.start();
    clock.advance(100);
    feed.output(); // the prompt
    clock.advance(QUIET_BEFORE_TYPING_MS - 1);
    assert.deepEqual(sent, [], 'not while the program may still print');
    clock.advance(1);
    assert.deepEqual(sent, ['Ada\r']);
    feed.output(); // the echo
    clock.advance(50);
    feed.output(); // the answer and the next prompt
    clock.advance(QUIET_BEFORE_TYPING_MS - 1);
    assert.deepEqual(sent, ['Ada\r']);
    clock.advance(1);
    assert.deepEqual(sent, ['Ada\r', '7\r']);
    assert.equal(feed.typed, 2);
    assert.equal(clock.pendingTimers, 0, 'nothing left to type, no timer left');
  });

  it('types into a program that prints nothing (a bare read) after its patience', () => {
    const {clock, sent, feed} = feeder('x\ry\r');
    feed.start();
    clock.advance(PATIENCE_BEFORE_TYPING_MS - 1);
    assert.deepEqual(sent, []);
    clock.advance(1);
    assert.deepEqual(sent, ['x\r']);
    clock.advance(PATIENCE_BEFORE_TYPING_MS);
    assert.deepEqual(sent, ['x\r', 'y\r'], 'no echo (echo off): the next line after the same patience');
  });

  it('counts output from before the start, and types nothing after it is disposed', () => {
    const {clock, sent, feed} = feeder('a\rb\r');
    feed.output();
    feed.start();
    clock.advance(QUIET_BEFORE_TYPING_MS);
    assert.deepEqual(sent, ['a\r']);
    feed[Symbol.dispose]();
    feed[Symbol.dispose]();
    clock.advance(10_000);
    feed.output();
    feed.start();
    clock.advance(10_000);
    assert.deepEqual(sent, ['a\r']);
    assert.equal(clock.pendingTimers, 0);
  });
});
