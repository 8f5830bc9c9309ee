import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseServerMessage} from '../../../protocol/index.js';
import {OutputRing} from '../../stream/ring.js';
import {replayMissed, ResumeCredential} from '../resume.js';

describe('ResumeCredential', () => {
  it('accepts nothing before the first issue', () => {
    const credential = new ResumeCredential();
    assert.equal(credential.accepts(''), false);
    assert.equal(credential.accepts('anything'), false);
  });

  it('accepts only the newest credential, exactly; a new issue rotates it', () => {
    const credential = new ResumeCredential();
    const first = credential.issue();
    assert.match(first, /^[A-Za-z0-9_-]{32}$/, '24 random bytes, base64url');
    assert.equal(credential.accepts(first), true);
    assert.equal(credential.accepts(first.slice(1)), false, 'a shorter token');
    assert.equal(credential.accepts(`${first}x`), false, 'a longer token');
    assert.equal(credential.accepts(first.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))), false, 'one character off');
    const second = credential.issue();
    assert.notEqual(second, first);
    assert.equal(credential.accepts(first), false, 'rotated');
    assert.equal(credential.accepts(second), true);
  });

  it('accepts nothing once revoked', () => {
    const credential = new ResumeCredential();
    const token = credential.issue();
    credential.revoke();
    assert.equal(credential.accepts(token), false);
  });
});

describe('replayMissed', () => {
  function sent() {
    const messages: string[] = [];
    return {messages, target: {send: (data: string) => messages.push(data)}};
  }

  it('sends the replay message and returns the bytes after the offset', () => {
    const ring = new OutputRing(1024);
    ring.append(Buffer.from('abcdef'));
    const {messages, target} = sent();
    const {data, details} = replayMissed({replayFrom: (offset) => ring.since(offset)}, target, 2);
    assert.deepEqual(messages.map((message) => parseServerMessage(message)), [{type: 'replay', from: 2, truncated: false}]);
    assert.equal(Buffer.concat(data).toString(), 'cdef');
    assert.deepEqual(details, {offset: 2, from: 2, truncated: false, replayedBytes: 4});
  });

  it('says truncated when the offset has fallen out of the ring, and sends what is kept', () => {
    const ring = new OutputRing(4);
    ring.append(Buffer.from('abcdefgh'));
    const {messages, target} = sent();
    const {data, details} = replayMissed({replayFrom: (offset) => ring.since(offset)}, target, 1);
    assert.deepEqual(parseServerMessage(messages[0]!), {type: 'replay', from: 4, truncated: true});
    assert.equal(Buffer.concat(data).toString(), 'efgh');
    assert.deepEqual(details, {offset: 1, from: 4, truncated: true, replayedBytes: 4});
  });
});
