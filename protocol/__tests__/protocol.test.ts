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

test('shares: presence, resize and snapshot notices are parsed strictly', async () => {
  const {parseServerMessage: parse} = await import('../index.js');
  assert.deepEqual(parse('{"type":"presence","viewers":3,"controllers":1,"extra":1}'), {type: 'presence', viewers: 3, controllers: 1});
  assert.equal(parse('{"type":"presence","viewers":1,"controllers":2}'), undefined, 'more controllers than viewers');
  assert.equal(parse('{"type":"presence","viewers":-1,"controllers":0}'), undefined);
  assert.equal(parse('{"type":"presence","viewers":"1","controllers":0}'), undefined);
  assert.deepEqual(parse('{"type":"resize","cols":80,"rows":24}'), {type: 'resize', cols: 80, rows: 24});
  assert.deepEqual(parse('{"type":"snapshot","cols":120,"rows":40}'), {type: 'snapshot', cols: 120, rows: 40});
  assert.equal(parse('{"type":"snapshot","cols":1e6,"rows":40}'), undefined, 'outside the terminal bounds');
  assert.equal(parse('{"type":"resize","cols":80.5,"rows":24}'), undefined);
});

test('shares: the subprotocol offer and the link fragment', async () => {
  const {parseShareOffer, shareSubprotocols, shareFragment, parseShareFragment, SUBPROTOCOL, sharesPath} = await import('../index.js');
  assert.deepEqual(shareSubprotocols('abc.def'), [SUBPROTOCOL, 'sandbox.share.abc.def']);
  assert.equal(parseShareOffer(['sandbox.v1', 'sandbox.share.abc.def']), 'abc.def');
  assert.equal(parseShareOffer(['sandbox.v1', 'sandbox.share.']), undefined);
  assert.equal(parseShareOffer(['sandbox.v1', 'sandbox.token.abc']), undefined);
  const fragment = shareFragment({token: 's1.x_y-z', session: 'id-1', block: 'b2'});
  assert.equal(fragment, 'sandbox-share=s1.x_y-z&session=id-1&block=b2');
  assert.deepEqual(parseShareFragment(`#${fragment}`), {token: 's1.x_y-z', session: 'id-1', block: 'b2'});
  assert.deepEqual(parseShareFragment('sandbox-share=t&session=s'), {token: 't', session: 's'});
  assert.equal(parseShareFragment('#session=s'), undefined);
  assert.equal(parseShareFragment(''), undefined);
  assert.equal(sharesPath('a/b', '/site/'), '/site/api/sessions/a%2Fb/shares');
});

test('shares: the error codes and the revoked close code are part of the protocol', async () => {
  const {ERROR_CODES, CLOSE_CODES} = await import('../index.js');
  for (const code of ['view-only', 'owner-only', 'too-many-viewers', 'too-many-shares', 'share-not-found'] as const) assert.ok(ERROR_CODES.includes(code), code);
  assert.equal(CLOSE_CODES.shareRevoked, 4003);
  assert.equal(CLOSE_CODES.viewerBehind, 4008);
  assert.equal(new Set(Object.values(CLOSE_CODES)).size, Object.values(CLOSE_CODES).length, 'close codes are distinct');
});
