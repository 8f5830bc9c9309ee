import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {cleanOutput} from '../output.js';

describe('cleanOutput', () => {
  it('strips escape sequences and control characters, turns CRLF into LF', () => {
    const output = '\u001b[1;32mgreen\u001b[0m\r\nbell\u0007 tab\tend\u001b]0;title\u0007\r\n';
    assert.deepEqual(cleanOutput(output), {text: 'green\nbell tab\tend\n', truncated: false});
  });

  it('keeps everything with raw', () => {
    const output = '\u001b[1mbold\u001b[0m\r\n';
    assert.deepEqual(cleanOutput(output, {raw: true}), {text: output, truncated: false});
  });

  it('keeps the start within the limit and says it cut', () => {
    assert.deepEqual(cleanOutput('abcdef', {maxChars: 4}), {text: 'abcd', truncated: true});
    assert.deepEqual(cleanOutput('ab', {maxChars: 4, alreadyTruncated: true}), {text: 'ab', truncated: true});
  });
});
