import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {FileDisplay, SandboxDisplay} from '../../../config/block.js';
import {parseDisplay, type FileDisplayByPath} from '../display.js';

// The remark plugin writes the config's type and the theme reads its own declaration: each must fit the other.
const written: FileDisplay = {} as FileDisplayByPath[string];
const read: FileDisplayByPath[string] = written;

describe('parseDisplay', () => {
  it('reads the display options the remark plugin writes, by file path', () => {
    const display: SandboxDisplay = {files: {'main.py': {showLineNumbers: 1, highlightLines: '1,3-5'}, 'b.py': {showLineNumbers: 10}}};
    assert.deepEqual(parseDisplay(JSON.stringify(display)), display.files);
    assert.ok(read !== undefined);
  });

  it('is undefined for a block without display options', () => {
    assert.equal(parseDisplay(undefined), undefined);
    assert.equal(parseDisplay('{}'), undefined);
  });

  it('keeps only fields of the right type', () => {
    assert.deepEqual(parseDisplay('{"files":{"a":{"showLineNumbers":"1","highlightLines":"2"},"b":null}}'), {a: {highlightLines: '2'}});
  });
});
