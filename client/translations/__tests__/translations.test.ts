import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {MESSAGE_IDS, MESSAGES, type MessageId} from '../../messages.js';
import {STATUS_MESSAGE_IDS} from '../../status.js';
import {en} from '../en.js';
import {getDefaultCodeTranslationMessages, TRANSLATED_LOCALES} from '../index.js';

const themeDir = fileURLToPath(new URL('../../../theme', import.meta.url));
const isMessageId = (id: string): id is MessageId => Object.hasOwn(MESSAGES, id);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Spelled {
  message: string;
  description: string | undefined;
}

/**
 * Every `theme.Sandbox.*` id the theme source spells out in translate() or
 * <Translate> (Docusaurus extracts these statically), with its message and description.
 */
function idsInSource(): Map<string, Spelled> {
  const found = new Map<string, Spelled>();
  const quoted = `'((?:[^'\\\\]|\\\\.)*)'|"((?:[^"\\\\]|\\\\.)*)"`;
  const call = new RegExp(`id: '(theme\\.Sandbox\\.[\\w.]+)',\\s*message:\\s*'((?:[^'\\\\]|\\\\.)*)'(?:,\\s*description:\\s*(?:${quoted}))?`, 'g');
  for (const file of sourceFiles(themeDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(call)) found.set(match[1]!, {message: match[2]!, description: match[3] ?? match[4]});
    for (const match of text.matchAll(/<Translate id="(theme\.Sandbox\.[\w.]+)"(?: description="([^"]*)")?>([^<]*)<\/Translate>/g)) {
      found.set(match[1]!, {message: match[3]!, description: match[2]});
    }
  }
  return found;
}

describe('code translations', () => {
  it('the theme spells each id with the message and description of the one list', () => {
    const source = idsInSource();
    assert.ok(source.size > 20, `found ${source.size} ids`);
    for (const [id, spelled] of source) {
      assert.ok(isMessageId(id), `${id} is used by the theme but not in client/messages.ts`);
      assert.equal(spelled.message, MESSAGES[id].message, id);
      assert.equal(spelled.description, MESSAGES[id].description, id);
    }
  });

  it('every listed id is shown somewhere: by the theme, or as a status the client describes', () => {
    const used = new Set<string>([...idsInSource().keys(), ...STATUS_MESSAGE_IDS]);
    assert.deepEqual(MESSAGE_IDS.filter((id) => !used.has(id)), []);
    for (const id of MESSAGE_IDS) assert.match(id, /^theme\.Sandbox\./);
  });

  it('English is the list itself', () => {
    assert.deepEqual(Object.keys(en).sort(), [...MESSAGE_IDS].sort());
    for (const id of MESSAGE_IDS) assert.equal(en[id], MESSAGES[id].message);
  });

  it('every locale translates every id and keeps the placeholders', () => {
    for (const locale of TRANSLATED_LOCALES) {
      const messages = getDefaultCodeTranslationMessages(locale);
      assert.deepEqual(Object.keys(messages).sort(), [...MESSAGE_IDS].sort(), locale);
      for (const id of MESSAGE_IDS) {
        const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
        assert.deepEqual(placeholders(messages[id]!), placeholders(MESSAGES[id].message), `${locale} ${id}`);
      }
    }
  });

  it('falls back from a regional locale to its language, else to nothing', () => {
    assert.equal(getDefaultCodeTranslationMessages('fr-CA')['theme.Sandbox.button.run'], 'Exécuter');
    assert.deepEqual(getDefaultCodeTranslationMessages('xx'), {});
  });
});
