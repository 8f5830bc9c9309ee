/**
 * Reference pages that restate a list the code holds are checked against it,
 * so the page cannot drift: the swizzling page's table against the plugin's
 * getSwizzleConfig, and the browser client page's export table against what
 * `docusaurus-sandbox/client` exports.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {getSwizzleConfig} from '../../plugin/index.js';
import {DEFAULT_OPTIONS as VITEPRESS_OPTIONS} from '../../vitepress/options.js';
import {repositoryRoot} from '../helpers/imports.js';

const page = (name: string) => readFileSync(`${repositoryRoot}site/docs/reference/${name}`, 'utf8');

/** The cells of each row of the page's tables, header and rule rows left out. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);

describe('reference pages that restate the code', () => {
  it('the swizzling page lists every component with its wrap and eject safety and description', () => {
    const rows = tableRows(page('swizzling.md')).filter((cells) => cells[0] !== 'component');
    const documented = Object.fromEntries(rows.map(([name, wrap, eject, what]) => [names(name!)[0], {wrap, eject, what: what!.replace(/`/g, '')}]));
    const code = Object.fromEntries(
      Object.entries(getSwizzleConfig().components).map(([name, {actions, description}]) => [name, {wrap: actions.wrap, eject: actions.eject, what: description}]),
    );
    assert.deepEqual(documented, code);
  });

  it('the browser client page lists exactly what docusaurus-sandbox/client exports', () => {
    const source = readFileSync(`${repositoryRoot}client/index.ts`, 'utf8');
    const exported = [...source.matchAll(/export (?:type )?\{([^}]*)\}/g)]
      .flatMap((match) => match[1]!.split(','))
      .map((name) => name.replace(/\btype\b/, '').trim())
      .filter(Boolean)
      .sort();
    const rows = tableRows(page('client.md')).filter((cells) => cells[0] !== 'export');
    const documented = rows.flatMap(([cell]) => names(cell!)).sort();
    assert.ok(exported.length > 40, `${exported.length} exports`);
    assert.deepEqual(documented, exported);
  });

  it('the VitePress page lists the values docusaurus-sandbox/vitepress and /vitepress/theme export, and every withSandbox option', () => {
    const valueExports = (file: string) =>
      [...readFileSync(`${repositoryRoot}${file}`, 'utf8').matchAll(/^export (?:(?:async )?function|class|const) (\w+)|^export \{([^}]*)\}/gm)]
        .flatMap((match) => (match[1] ? [match[1]] : match[2]!.split(',')))
        .map((name) => name.trim())
        .filter((name) => name !== '' && !name.startsWith('type '))
        .map((name) => name.replace(/^default as /, '').trim());
    const exported = [...valueExports('vitepress/index.ts'), ...valueExports('vitepress/theme/index.ts')].sort();
    const rows = tableRows(page('vitepress.md'));
    const documented = rows.filter((cells) => cells[0] !== 'export' && cells[0] !== 'option' && rows.indexOf(cells) < rows.findIndex((row) => row[0] === 'option')).flatMap(([cell]) => names(cell!)).sort();
    assert.deepEqual(documented, exported);
    const options = rows.slice(rows.findIndex((row) => row[0] === 'option') + 1).flatMap(([cell]) => names(cell!)).sort();
    assert.deepEqual(options, Object.keys(VITEPRESS_OPTIONS).sort());
  });
});
