import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {STATUS_MESSAGE_IDS} from 'docusaurus-sandbox/client';

// Read as text: the module imports @docusaurus/Translate, which exists only inside a Docusaurus build.
const source = readFileSync(new URL('../StatusLine/statusText.ts', import.meta.url), 'utf8');

describe('status texts', () => {
  it('spell out one literal translate() call for every status the client describes, and for nothing else', () => {
    const keys = [...source.matchAll(/^ {2}'(theme\.Sandbox\.[\w.]+)': \((?:values)?\) =>\n {4}translate\(\{id: '([\w.]+)'/gm)];
    for (const [, key, id] of keys) assert.equal(id, key, `the call under ${key} translates ${id}`);
    assert.deepEqual(keys.map((match) => match[1]).sort(), [...new Set(STATUS_MESSAGE_IDS)].sort());
  });

  it('gives every message exactly the values of its placeholders', () => {
    const calls = [...source.matchAll(/\((?:values)?\) =>\n {4}translate\(\{id: '[\w.]+', message: (['"])(.*?)\1.*?\}(?:, \{(.*)\})?\),$/gm)];
    assert.equal(calls.length, new Set(STATUS_MESSAGE_IDS).size);
    for (const [, , message, given] of calls) {
      const placeholders = [...new Set([...message!.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort();
      const passed = given === undefined ? [] : [...given.matchAll(/(\w+): value\(values, '(\w+)'\)/g)].map((match) => (assert.equal(match[1], match[2]), match[1]));
      assert.deepEqual(passed.sort(), placeholders, message);
    }
  });
});
