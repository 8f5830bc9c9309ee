import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {STATUS_MESSAGE_IDS} from '../../client/status.js';
import {en} from '../en.js';
import {getDefaultCodeTranslationMessages, TRANSLATED_LOCALES} from '../index.js';

const themeDir = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' || entry.name === 'translations' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every `sandbox.*` id the theme source passes to translate() or <Translate>, with its default message. */
function idsInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(themeDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/id: '(sandbox\.[\w.]+)',\s*message:\s*'((?:[^'\\]|\\.)*)'/g)) found.set(match[1]!, match[2]!);
    for (const match of text.matchAll(/<Translate id="(sandbox\.[\w.]+)">([^<]*)<\/Translate>/g)) found.set(match[1]!, match[2]!);
  }
  return found;
}

describe('code translations', () => {
  it('ship every id the theme uses, with the same English default', () => {
    const source = idsInSource();
    assert.ok(source.size > 40, `found ${source.size} ids`);
    for (const id of STATUS_MESSAGE_IDS) assert.ok(source.has(id), id);
    assert.deepEqual(Object.keys(en).sort(), [...source.keys()].sort());
    for (const [id, message] of source) assert.equal(en[id], message, id);
  });

  it('every locale translates every id and keeps the placeholders', () => {
    for (const locale of TRANSLATED_LOCALES) {
      const messages = getDefaultCodeTranslationMessages(locale);
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(en).sort(), locale);
      for (const [id, message] of Object.entries(en)) {
        const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
        assert.deepEqual(placeholders(messages[id]!), placeholders(message), `${locale} ${id}`);
      }
    }
  });

  it('falls back from a regional locale to its language, else to nothing', () => {
    assert.equal(getDefaultCodeTranslationMessages('fr-CA')['sandbox.button.run'], 'Exécuter');
    assert.deepEqual(getDefaultCodeTranslationMessages('xx'), {});
  });
});
