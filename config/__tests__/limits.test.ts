import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import {DEFAULT_LIMITS, LIMIT_NAMES, LIMIT_TABLE, type LimitSpec, normalizeConfig} from '../index.js';
import {formatLimitDefault, LIMITS_HEADING, renderLimitsTable, withLimitsTable} from '../limits-doc.js';

const PAGE = new URL('../../site/docs/reference/configuration.md', import.meta.url);
const UPDATE = 'UPDATE_DOCS=1 node --import tsx --test config/__tests__/limits.test.ts';

/** [option, default] of each row of the page's limits table, as written. */
function pageRows(page: string): Array<[string, string]> {
  const section = page.slice(page.indexOf(LIMITS_HEADING), page.indexOf('\n## ', page.indexOf(LIMITS_HEADING) + 1));
  return section
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => {
      const [name, value] = line.split('|').slice(1, 3).map((cell) => cell.trim().replace(/^`|`$/g, ''));
      return [name!, value!];
    });
}

describe('limits table', () => {
  test('the configuration page lists exactly the limits of the table, in its order, with their defaults', () => {
    let page = readFileSync(PAGE, 'utf8');
    if (process.env.UPDATE_DOCS) {
      page = withLimitsTable(page);
      writeFileSync(PAGE, page);
    }
    assert.deepEqual(
      pageRows(page),
      LIMIT_NAMES.map((name) => [name, formatLimitDefault(LIMIT_TABLE[name])]),
      `the limits of configuration.md differ from config/limits.ts; rewrite the page's table with: ${UPDATE}`,
    );
    assert.equal(page, withLimitsTable(page), `the limits table of configuration.md is not the one config/limits.ts renders; rewrite it with: ${UPDATE}`);
  });

  test('the rendered table has one row per limit', () => {
    assert.equal(renderLimitsTable().split('\n').length, 2 + LIMIT_NAMES.length);
  });

  test('each default as the page writes it configures that default', () => {
    for (const name of LIMIT_NAMES) {
      const written: unknown = JSON.parse(formatLimitDefault(LIMIT_TABLE[name]));
      assert.equal(normalizeConfig({limits: {[name]: written}}).limits[name], DEFAULT_LIMITS[name], name);
      assert.equal(DEFAULT_LIMITS[name], LIMIT_TABLE[name].default, name);
    }
  });

  test('the schema enforces each bound of the table, naming the limit', () => {
    for (const name of LIMIT_NAMES) {
      const spec: LimitSpec = LIMIT_TABLE[name];
      const option = new RegExp(`"limits\\.${name}"`);
      if (spec.min !== undefined) {
        assert.equal(normalizeConfig({limits: {[name]: spec.min}}).limits[name], spec.min, name);
        assert.throws(() => normalizeConfig({limits: {[name]: spec.min! - 1}}), option);
      }
      if (spec.max !== undefined) {
        assert.equal(normalizeConfig({limits: {[name]: spec.max}}).limits[name], spec.max, name);
        assert.throws(() => normalizeConfig({limits: {[name]: spec.max! + 1}}), option);
      }
      if (spec.above !== undefined) assert.throws(() => normalizeConfig({limits: {[name]: spec.above}}), option);
      if (spec.unit === 'count') assert.throws(() => normalizeConfig({limits: {[name]: spec.default + 0.5}}), option);
      if (spec.unit === 'duration' || spec.unit === 'bytes') assert.throws(() => normalizeConfig({limits: {[name]: -1}}), option);
    }
  });

  test('environment limits inherit every limit of the table', () => {
    const config = normalizeConfig({limits: {nofile: 2048, cpus: 1, idleTimeout: '1m'}});
    assert.deepEqual(config.environments.python!.limits, config.limits);
    assert.deepEqual(Object.keys(config.limits), LIMIT_NAMES);
  });
});
