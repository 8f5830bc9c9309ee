import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ServerMessage} from '../../../protocol/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {ControlChannel} from '../control.js';
import {MessageRateWindow} from '../message-rate.js';

function channel(perSecond = 100) {
  const clock = new ManualClock();
  const calls: unknown[][] = [];
  const replies: ServerMessage[] = [];
  const control = new ControlChannel(perSecond, clock, {
    acknowledge: (bytes) => calls.push(['ack', bytes]),
    resize: (cols, rows) => calls.push(['resize', cols, rows]),
    interrupt: () => calls.push(['interrupt']),
    kill: (signal) => calls.push(['kill', signal]),
    enableAcks: () => calls.push(['acks']),
    reply: (message) => replies.push(message),
  });
  return {clock, control, calls, replies};
}

describe('MessageRateWindow', () => {
  it('allows perSecond messages per window, reports the first refusal only, and opens a new window after a second', () => {
    const clock = new ManualClock();
    const window = new MessageRateWindow(2, clock);
    assert.deepEqual([window.take(), window.take(), window.take(), window.take()], ['allowed', 'allowed', 'refused-first', 'refused']);
    clock.advance(999);
    assert.equal(window.take(), 'refused');
    clock.advance(1);
    assert.deepEqual([window.take(), window.take(), window.take()], ['allowed', 'allowed', 'refused-first']);
  });
});

describe('ControlChannel', () => {
  it('dispatches each message to its handler; SIGINT is an interrupt, other signals a kill', () => {
    const {control, calls, replies} = channel();
    control.receive('{"type":"resize","cols":9999,"rows":40}');
    control.receive('{"type":"signal","signal":"SIGINT"}');
    control.receive('{"type":"signal","signal":"SIGTERM"}');
    control.receive('{"type":"signal","signal":"SIGKILL"}');
    control.receive('{"type":"hello","acks":true}');
    control.receive('{"type":"hello","acks":false}');
    control.receive('{"type":"ack","bytes":12}');
    assert.deepEqual(calls, [['resize', 500, 40], ['interrupt'], ['kill', 'SIGTERM'], ['kill', 'SIGKILL'], ['acks'], ['ack', 12]]);
    assert.deepEqual(replies, []);
  });

  it('answers an unreadable message with bad-message and the parser reason', () => {
    const {control, calls, replies} = channel();
    control.receive('{nope');
    control.receive('{"type":"warp"}');
    assert.deepEqual(calls, []);
    assert.deepEqual(
      replies.map((reply) => reply.type === 'error' && reply.code),
      ['bad-message', 'bad-message'],
    );
    assert.equal(replies[0]?.type === 'error' && replies[0].message, 'control message is not valid JSON');
  });

  it('drops messages over the rate with one message-rate error; bad messages count too; acks never do', () => {
    const {clock, control, calls, replies} = channel(3);
    control.receive('{nope');
    for (let i = 0; i < 5; i++) control.receive('{"type":"resize","cols":20,"rows":20}');
    for (let i = 0; i < 50; i++) control.receive('{"type":"ack","bytes":1}');
    assert.equal(calls.filter((call) => call[0] === 'resize').length, 2);
    assert.equal(calls.filter((call) => call[0] === 'ack').length, 50);
    assert.deepEqual(
      replies.map((reply) => reply.type === 'error' && reply.code),
      ['bad-message', 'message-rate'],
    );
    assert.match(replies[1]?.type === 'error' ? replies[1].message : '', /more than 3 control messages per second/);
    clock.advance(1000);
    control.receive('{"type":"resize","cols":20,"rows":20}');
    assert.equal(calls.filter((call) => call[0] === 'resize').length, 3);
  });
});
