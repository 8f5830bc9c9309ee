/**
 * `docusaurus swizzle docusaurus-sandbox --list`, the real Docusaurus CLI run
 * against the demo site with the built package: it lists every component the
 * plugin's getSwizzleConfig describes, each with its wrap and eject safety.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {getSwizzleConfig} from '../../plugin/index.js';

const siteDir = fileURLToPath(new URL('../../site', import.meta.url));
const SAFETY = {safe: 'Safe', unsafe: 'Unsafe', forbidden: 'Forbidden'} as const;

describe('swizzle --list on the demo site', () => {
  it('lists each component with its safety for wrap and eject', () => {
    const listed = spawnSync('npx', ['docusaurus', 'swizzle', 'docusaurus-sandbox', '--list', '--typescript'], {
      cwd: siteDir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {...process.env, FORCE_COLOR: '0', NO_COLOR: '1'},
    });
    assert.equal(listed.status, 0, listed.stderr);
    const rows = new Map(
      listed.stdout
        .split('\n')
        .map((line) => line.split('│').map((cell) => cell.trim()))
        .filter((cells) => cells.length >= 4 && cells[1] && cells[1] !== 'Component name')
        .map((cells) => [cells[1]!, `${cells[2]} ${cells[3]}`]),
    );
    const {components} = getSwizzleConfig();
    assert.ok(Object.keys(components).length >= 10);
    for (const [name, {actions}] of Object.entries(components)) {
      assert.equal(rows.get(name), `${SAFETY[actions.wrap]} ${SAFETY[actions.eject]}`, `${name} in\n${listed.stdout}`);
    }
  });
});
