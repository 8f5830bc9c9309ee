/**
 * A site's TypeScript sees `@theme/Sandbox` (and its parts) through the
 * declarations the package ships: typechecked as a create-docusaurus site
 * would (its tsconfig base, strict), once through the documented
 * `/// <reference types="docusaurus-sandbox/theme" />`, once through the
 * plugin's own types that a config importing them loads.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const site = join(root, 'theme', '__tests__', '__fixtures__', 'typed-site');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
// The declarations import `docusaurus-sandbox/client` and the plugin's, which the package ships compiled.
const built = existsSync(join(root, 'dist', 'client', 'index.d.ts')) && existsSync(join(root, 'dist', 'plugin', 'index.d.ts'));

function typecheck(project: string): {status: number | null; output: string} {
  const result = spawnSync(process.execPath, [tsc, '-p', join(site, project)], {cwd: site, encoding: 'utf8'});
  return {status: result.status, output: `${result.stdout}${result.stderr}`};
}

describe('the @theme/Sandbox declarations a site gets', {skip: built ? false : 'run `npm run build` first: the declarations use dist/'}, () => {
  it('typecheck an ejected MDXComponents that references docusaurus-sandbox/theme', () => {
    const {status, output} = typecheck('tsconfig.reference.json');
    assert.equal(status, 0, output);
  });

  it('come with the plugin types: a component importing @theme/Sandbox and @theme/Sandbox/Files typechecks', () => {
    const {status, output} = typecheck('tsconfig.plugin.json');
    assert.equal(status, 0, output);
  });
});
