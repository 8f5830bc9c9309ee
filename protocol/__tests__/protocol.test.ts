import assert from 'node:assert/strict';
import {test} from 'node:test';
import {clientSubprotocols, parseClientMessage, parseServerMessage, ProtocolError, sessionSocketPath, TERMINAL_BOUNDS} from '../index.js';

test('parses the client control messages', () => {
  assert.deepEqual(parseClientMessage('{"type":"resize","cols":80,"rows":24}'), {type: 'resize', cols: 80, rows: 24});
  assert.deepEqual(parseClientMessage('{"type":"signal","signal":"SIGINT"}'), {type: 'signal', signal: 'SIGINT'});
  assert.deepEqual(parseClientMessage('{"type":"ack","bytes":4096}'), {type: 'ack', bytes: 4096});
});

test('clamps absurd resize values instead of refusing them', () => {
  assert.deepEqual(parseClientMessage('{"type":"resize","cols":1e9,"rows":-5}'), {
    type: 'resize',
    cols: TERMINAL_BOUNDS.maxCols,
    rows: TERMINAL_BOUNDS.minRows,
  });
});

test('refuses everything else with a ProtocolError', () => {
  const bad = [
    'not json',
    '[]',
    'null',
    '42',
    '{}',
    '{"type":"explode"}',
    '{"type":"resize","cols":"80","rows":24}',
    '{"type":"resize","cols":80}',
    '{"type":"signal","signal":"SIGSTOP"}',
    '{"type":"ack","bytes":-1}',
    '{"__proto__":{"type":"resize"},"cols":1,"rows":1}',
    '{"type":"__proto__"}',
  ];
  for (const text of bad) {
    assert.throws(() => parseClientMessage(text), (error: unknown) => error instanceof ProtocolError && error.code === 'bad-message', text);
  }
  assert.equal(({} as Record<string, unknown>).type, undefined, 'no prototype pollution');
});

test('server messages and helpers', () => {
  assert.deepEqual(parseServerMessage('{"type":"exit","code":3,"reason":"exit"}'), {type: 'exit', code: 3, reason: 'exit'});
  assert.equal(parseServerMessage('{"type":"weird"}'), undefined);
  assert.equal(parseServerMessage('nope'), undefined);
  assert.deepEqual(clientSubprotocols('abc'), ['sandbox.v1', 'sandbox.token.abc']);
  assert.equal(sessionSocketPath('a/b'), '/api/sessions/a%2Fb/ws');
});

test('resume and flow-control additions (issues 6 and 7)', async () => {
  const {parseResumeOffer, resumeSubprotocols, FLOW_WINDOW_BYTES, ACK_EVERY_BYTES} = await import('../index.js');
  assert.deepEqual(parseClientMessage('{"type":"hello","acks":true}'), {type: 'hello', acks: true});
  assert.throws(() => parseClientMessage('{"type":"hello"}'), ProtocolError);
  assert.deepEqual(parseServerMessage('{"type":"resume-token","token":"abc","graceMs":60000}'), {type: 'resume-token', token: 'abc', graceMs: 60000});
  assert.deepEqual(parseServerMessage('{"type":"replay","from":12,"truncated":false}'), {type: 'replay', from: 12, truncated: false});
  assert.equal(parseServerMessage('{"type":"replay","from":-1,"truncated":false}'), undefined);
  assert.equal(parseServerMessage('{"type":"resume-token"}'), undefined);
  assert.deepEqual(resumeSubprotocols('tok', 42), ['sandbox.v1', 'sandbox.resume.tok', 'sandbox.offset.42']);
  assert.deepEqual(parseResumeOffer(resumeSubprotocols('tok', 42)), {token: 'tok', offset: 42});
  assert.deepEqual(parseResumeOffer(['sandbox.v1', 'sandbox.offset.-3', 'sandbox.offset.1e9', 'sandbox.resume.']), {});
  assert.deepEqual(parseResumeOffer(['sandbox.v1', 'sandbox.token.x']), {});
  // A client acking every ACK_EVERY_BYTES can never stall a window of FLOW_WINDOW_BYTES.
  assert.ok(ACK_EVERY_BYTES * 2 <= FLOW_WINDOW_BYTES);
});

test('the catch-up message of a page session step is read strictly', async () => {
  const {MAX_CAUGHT_UP_STEPS} = await import('../index.js');
  const steps = [
    {step: 1, block: 'b1', code: 0},
    {step: 2, block: 'b2', code: 3},
  ];
  assert.deepEqual(parseServerMessage(JSON.stringify({type: 'catch-up', steps})), {type: 'catch-up', steps});
  assert.deepEqual(parseServerMessage('{"type":"catch-up","steps":[]}'), {type: 'catch-up', steps: []});
  // Unknown fields are dropped, not carried along.
  assert.deepEqual(parseServerMessage('{"type":"catch-up","steps":[{"step":1,"block":"b1","code":-1,"extra":"x"}]}'), {
    type: 'catch-up',
    steps: [{step: 1, block: 'b1', code: -1}],
  });
  for (const bad of [
    {type: 'catch-up'},
    {type: 'catch-up', steps: {}},
    {type: 'catch-up', steps: [{step: 0, block: 'b1', code: 0}]},
    {type: 'catch-up', steps: [{step: 1.5, block: 'b1', code: 0}]},
    {type: 'catch-up', steps: [{step: 1, block: '', code: 0}]},
    {type: 'catch-up', steps: [{step: 1, block: 'b1', code: '0'}]},
    {type: 'catch-up', steps: [{step: 1, block: 'b1', code: 0}, null]},
    {type: 'catch-up', steps: Array.from({length: MAX_CAUGHT_UP_STEPS + 1}, (_, index) => ({step: index + 1, block: 'b', code: 0}))},
  ]) {
    assert.equal(parseServerMessage(JSON.stringify(bad)), undefined, JSON.stringify(bad).slice(0, 80));
  }
});
