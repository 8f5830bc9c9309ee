/**
 * The authoring page's option table and OPTION_TABLE (exported as
 * `docusaurus-sandbox/remark`) state the same options, in the same order, with
 * the same kinds, places and defaults, and each meaning on the page begins with
 * the table's description. The page may say more, never something else.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import {OPTION_TABLE} from '../index.js';
import type {OptionScope, OptionSpec, OptionType} from '../options.js';

const PAGE = new URL('../../../site/docs/reference/authoring.md', import.meta.url);
const HEADING = '## Options';

/** The page's words for a kind, and the kind each names in the code. */
const PAGE_KINDS: Record<string, OptionType> = {
  name: 'string',
  text: 'string',
  'text or /regex/flags': 'string',
  path: 'path',
  flag: 'boolean',
  duration: 'duration',
  '0–255': 'integer',
  'flag or number': 'line-numbers',
};
const PAGE_PLACES: Record<string, OptionScope> = {block: 'block', file: 'file', 'block or file': 'both'};

interface PageRow {
  option: string;
  kind: string;
  defaultText: string;
  place: string;
  meaning: string;
}

/** Markdown code spans read as their text, so `true` and true compare equal. */
const plain = (text: string) => text.replace(/`/g, '').trim();

function pageRows(): PageRow[] {
  const page = readFileSync(PAGE, 'utf8');
  const start = page.indexOf(`\n${HEADING}\n`);
  assert.ok(start >= 0, `authoring.md has a "${HEADING}" section`);
  const end = page.indexOf('\n## ', start + 1);
  const rows = page
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  return rows.map((line) => {
    const cells = line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, ''));
    assert.equal(cells.length, 5, `five cells (option, type, default, where, meaning) in: ${line}`);
    const [option, kind, defaultText, place, meaning] = cells.map(plain) as [string, string, string, string, string];
    return {option, kind, defaultText, place, meaning};
  });
}

describe('the authoring page and OPTION_TABLE', () => {
  const rows = pageRows();
  const table: Array<[string, OptionSpec]> = Object.entries(OPTION_TABLE);

  test('list the same options in the same order', () => {
    assert.deepEqual(rows.map((row) => row.option), table.map(([name]) => name));
  });

  for (const [name, spec] of table) {
    test(`state the same of ${name}`, () => {
      const row = rows.find((candidate) => candidate.option === name);
      assert.ok(row, `the page has a row for ${name}`);
      assert.ok(Object.hasOwn(PAGE_KINDS, row.kind), `the page's type of ${name}, "${row.kind}", must be one of ${Object.keys(PAGE_KINDS).join(', ')}`);
      assert.equal(PAGE_KINDS[row.kind], spec.type, `type of ${name}`);
      assert.equal(PAGE_PLACES[row.place], spec.scope, `where ${name} is written`);
      // The page may add the bundled values in parentheses after the default.
      const defaultText = plain(spec.defaultText);
      assert.ok(
        row.defaultText === defaultText || row.defaultText.startsWith(`${defaultText} (`),
        `default of ${name}: the page says "${row.defaultText}", OPTION_TABLE "${defaultText}"`,
      );
      const description = plain(spec.description).replace(/\.$/, '');
      assert.ok(row.meaning.startsWith(description), `meaning of ${name}: the page says "${row.meaning}", OPTION_TABLE "${description}"`);
    });
  }
});
