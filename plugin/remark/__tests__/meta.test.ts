import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MetaSyntaxError, parseMeta} from '../meta.js';
import * as remark from '../index.js';

const pairs = (meta: string) => parseMeta(meta).map(({key, value}) => [key, value]);

describe('meta grammar', () => {
  it('reads key=value, quoted values, bare flags and flag=false', () => {
    assert.deepEqual(pairs('env=node  title="Hello, world" interactive editable=false'), [
      ['env', 'node'],
      ['title', 'Hello, world'],
      ['interactive', true],
      ['editable', 'false'],
    ]);
  });

  it('unescapes \\" and \\\\ inside quotes and keeps other backslashes', () => {
    assert.deepEqual(pairs(String.raw`cmd="echo \"hi\" \\ done" input="a\nb"`), [
      ['cmd', 'echo "hi" \\ done'],
      ['input', 'a\\nb'],
    ]);
  });

  it('accepts an empty quoted value and no meta at all', () => {
    assert.deepEqual(pairs('title=""'), [['title', '']]);
    assert.deepEqual(parseMeta(null), []);
    assert.deepEqual(parseMeta('   '), []);
  });

  it('reports the offset of the offending key', () => {
    assert.throws(() => parseMeta('env=node title="open'), (error: unknown) => {
      assert.ok(error instanceof MetaSyntaxError);
      assert.equal(error.code, 'invalid-meta');
      assert.equal(error.offset, 9);
      return true;
    });
  });

  it('refuses a stray quote, a missing value and a quote glued to the next key', () => {
    assert.throws(() => parseMeta('title=a"b'), /stray quote/);
    assert.throws(() => parseMeta('title= env=node'), /has no value/);
    assert.throws(() => parseMeta('title="a"env=node'), /put a space after the closing quote/);
  });
});

describe('public exports of docusaurus-sandbox/remark', () => {
  it('pins the export names', () => {
    assert.deepEqual(Object.keys(remark).sort(), ['MetaSyntaxError', 'OPTION_TABLE', 'default', 'parseMeta', 'transformSandboxBlocks']);
    assert.equal(typeof remark.default, 'function');
  });
});
