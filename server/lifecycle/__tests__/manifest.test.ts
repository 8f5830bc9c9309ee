import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {findManifestFiles, manifestFingerprint, readSiteManifests} from '../manifest.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, {recursive: true, force: true})));
function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-manifests-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), {recursive: true});
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
const manifest = (id: string, baseUrl?: string) =>
  JSON.stringify({version: 1, blocks: [{id}], ...(baseUrl ? {baseUrl} : {})});

describe('site manifests', () => {
  it("reads the default locale's manifest and every locale folder's", () => {
    const dir = build({
      'sandbox-manifest.json': manifest('en', '/sub/'),
      'fr/sandbox-manifest.json': manifest('fr', '/sub/fr/'),
      'docs/index.html': '',
      'assets/x.js': '',
    });
    assert.deepEqual(findManifestFiles(dir).map((file) => file.locale), ['', 'fr']);
    const read = readSiteManifests(dir);
    assert.ok(read.ok);
    assert.deepEqual(read.manifests.map(({locale, manifest}) => [locale, manifest.blocks[0]?.id, manifest.baseUrl]), [
      ['', 'en', '/sub/'],
      ['fr', 'fr', '/sub/fr/'],
    ]);
  });

  it('does not use a build without its root manifest or with a half-written one, and says why', () => {
    const missing = readSiteManifests(join(tmpdir(), 'sandbox-no-such-build'));
    assert.ok(!missing.ok);
    assert.match(missing.reason, /no sandbox-manifest\.json in .*build folder is missing, or a build has not finished/);
    const onlyLocale = readSiteManifests(build({'fr/sandbox-manifest.json': manifest('fr')}));
    assert.ok(!onlyLocale.ok);
    const half = readSiteManifests(build({'sandbox-manifest.json': manifest('en'), 'fr/sandbox-manifest.json': '{"version": 1, "blo'}));
    assert.ok(!half.ok);
    assert.match(half.reason, /fr\/sandbox-manifest\.json is not complete JSON .*a build may still be writing it/);
    const old = readSiteManifests(build({'sandbox-manifest.json': '{"version": 0, "blocks": []}'}));
    assert.ok(!old.ok);
    assert.match(old.reason, /not a version 1 manifest; rebuild the site/);
  });

  it('fingerprints the files by size and time, so an unchanged build is not read again', () => {
    const dir = build({'sandbox-manifest.json': manifest('a')});
    const before = manifestFingerprint(findManifestFiles(dir));
    assert.equal(manifestFingerprint(findManifestFiles(dir)), before);
    writeFileSync(join(dir, 'sandbox-manifest.json'), manifest('longer-id'));
    assert.notEqual(manifestFingerprint(findManifestFiles(dir)), before);
  });
});
