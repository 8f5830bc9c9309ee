import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {plainText, readableText} from '../terminal-text.js';

describe('terminal text', () => {
  it('plainText keeps control characters other than escapes and CR', () => {
    assert.equal(plainText('a\u0007b\r\nc'), 'a\u0007b\nc');
  });

  it('readableText also drops stray controls and a lone escape cut from its sequence', () => {
    assert.equal(readableText('[0mcut\u001b\r\nbell\u0007 tab\tend\u007f'), '[0mcut\nbell tab\tend');
  });
});
