import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {parseServerMessage} from '../../../protocol/index.js';
import {SandboxError} from '../../errors.js';
import {deliver, EXPIRED_WORDS, exitWords, failureWords} from '../outcome.js';

describe('session outcome', () => {
  it('an exit reports its code and reason exit, closing with 1000', () => {
    assert.deepEqual(exitWords({code: 3, oomKilled: false}, undefined), {
      messages: [{type: 'exit', code: 3, reason: 'exit'}],
      code: 1000,
      reason: 'exit',
    });
  });

  it('OOM with exit code 0 reads as 137 oom; another code is kept', () => {
    assert.deepEqual(exitWords({code: 0, oomKilled: true}, undefined).messages, [{type: 'exit', code: 137, reason: 'oom'}]);
    assert.deepEqual(exitWords({code: 1, oomKilled: true}, undefined).messages, [{type: 'exit', code: 1, reason: 'oom'}]);
  });

  it('a reason we caused wins over the exit and over OOM', () => {
    assert.deepEqual(exitWords({code: 137, oomKilled: false}, 'idle').messages, [{type: 'exit', code: 137, reason: 'idle'}]);
    assert.deepEqual(exitWords({code: 0, oomKilled: true}, 'killed').messages, [{type: 'exit', code: 0, reason: 'killed'}]);
  });

  it('a failure becomes an error with a stable code; internals are masked and logged as errors', () => {
    const shown = failureWords(new SandboxError('image-missing', 'docker said: no such image /var/lib/secret'));
    assert.deepEqual(shown.words, {
      messages: [{type: 'error', code: 'image-missing', message: 'the environment is not installed on this server'}],
      code: 1011,
      reason: 'image-missing',
    });
    assert.equal(shown.level, 'warn');
    const masked = failureWords(new Error('boom at /srv/x'));
    assert.deepEqual(masked.words.messages, [{type: 'error', code: 'internal', message: 'internal server error'}]);
    assert.equal(masked.level, 'error');
  });

  it('delivers the messages, then closes; expiry is told with 4004', () => {
    const sent: string[] = [];
    let closed: [number, string] | undefined;
    deliver({send: (data) => sent.push(data), close: (code, reason) => (closed = [code, reason])}, EXPIRED_WORDS);
    assert.equal(sent.length, 1);
    const message = parseServerMessage(sent[0]!);
    assert.equal(message?.type === 'error' && message.code, 'session-ended');
    assert.deepEqual(closed, [4004, 'session expired']);
  });
});
