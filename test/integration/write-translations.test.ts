/**
 * `docusaurus write-translations` on a site with a French locale exports every
 * string the sandbox shows (each id of client/messages.ts), with its
 * description and the package's own French as the message. Docusaurus finds
 * them by parsing the plugin's theme files, so this pins the shipped theme's
 * shape (JSX kept, literal translate() calls). It needs no Docker; it lives
 * here because it runs the Docusaurus CLI on the built package.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {cpSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {MESSAGE_IDS, MESSAGES} from '../../client/messages.js';
import {getDefaultCodeTranslationMessages} from '../../client/translations/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'theme', '__tests__', '__fixtures__', 'i18n-site');
// Inside the repository, so the site resolves the package and Docusaurus from its node_modules.
const siteDir = join(root, '.cache', `write-translations-test-${process.pid}`);
const docusaurus = join(root, 'node_modules', '.bin', 'docusaurus');

describe('docusaurus write-translations', {timeout: 3 * 60_000}, () => {
  before(() => {
    rmSync(siteDir, {recursive: true, force: true});
    mkdirSync(join(root, '.cache'), {recursive: true});
    const packageBuild = spawnSync(process.execPath, ['scripts/build.mjs'], {cwd: root, encoding: 'utf8'});
    assert.equal(packageBuild.status, 0, `npm run build failed:\n${packageBuild.stdout}\n${packageBuild.stderr}`);
    cpSync(fixture, siteDir, {recursive: true});
  });

  after(() => rmSync(siteDir, {recursive: true, force: true}));

  it('exports every theme.Sandbox id, in French, with its description, and no warning about the theme', () => {
    const result = spawnSync(docusaurus, ['write-translations', '--locale', 'fr'], {
      cwd: siteDir,
      encoding: 'utf8',
      env: {...process.env, FORCE_COLOR: '0', NO_COLOR: '1'},
    });
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.status, 0, output);
    assert.doesNotMatch(output, /Translation extraction warnings for file path=.*docusaurus-sandbox|theme[\\/]Sandbox/, output);
    const written = JSON.parse(readFileSync(join(siteDir, 'i18n', 'fr', 'code.json'), 'utf8')) as Record<string, {message: string; description?: string}>;
    const exported = Object.keys(written).filter((id) => id.startsWith('theme.Sandbox.'));
    assert.deepEqual(exported.sort(), [...MESSAGE_IDS].sort(), 'every id of client/messages.ts, and no other');
    const french = getDefaultCodeTranslationMessages('fr');
    for (const id of MESSAGE_IDS) {
      assert.equal(written[id]!.message, french[id], `${id}: the shipped French`);
      assert.equal(written[id]!.description, MESSAGES[id].description, `${id}: the description for translators`);
    }
  });
});
