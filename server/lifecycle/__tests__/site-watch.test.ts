import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {LogFunction} from '../../log.js';
import type {LocaleManifest} from '../manifest.js';
import {SiteWatch, type FolderWatcher} from '../site-watch.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, {recursive: true, force: true})));
const manifest = (id: string) => JSON.stringify({version: 1, blocks: [{id}]});

function setup() {
  const parent = mkdtempSync(join(tmpdir(), 'sandbox-watch-'));
  dirs.push(parent);
  const siteDir = join(parent, 'build');
  mkdirSync(siteDir);
  writeFileSync(join(siteDir, 'sandbox-manifest.json'), manifest('v1'));
  const clock = new ManualClock();
  const loaded: LocaleManifest[][] = [];
  const logs: Array<{level: string; message: string; details?: Record<string, unknown>}> = [];
  const log: LogFunction = (level, message, details) => logs.push({level, message, details});
  const watched = new Map<string, () => void>();
  const watch = (path: string, onChange: () => void): FolderWatcher => {
    watched.set(path, onChange);
    return {close: () => watched.delete(path), on: () => undefined};
  };
  const siteWatch = new SiteWatch({siteDir, clock, log, onManifests: (manifests) => loaded.push(manifests), debounceMs: 500, pollMs: 5_000, watch});
  const ids = () => loaded.map((manifests) => manifests.map(({locale, manifest}) => `${locale}:${manifest.blocks.map((block) => block.id).join(',')}`).join(' '));
  return {parent, siteDir, clock, loaded, logs, watched, siteWatch, ids};
}

describe('SiteWatch', () => {
  it('reads a rewritten manifest once the folder has been quiet for the debounce', () => {
    const {siteDir, clock, watched, siteWatch, ids} = setup();
    siteWatch.start();
    assert.deepEqual(ids(), [], 'what is there at start counts as loaded');
    writeFileSync(join(siteDir, 'sandbox-manifest.json'), manifest('v2-longer'));
    watched.get(siteDir)!();
    clock.advance(400);
    watched.get(siteDir)!();
    clock.advance(400);
    assert.deepEqual(ids(), [], 'events keep postponing the read');
    clock.advance(100);
    assert.deepEqual(ids(), [':v2-longer']);
    clock.advance(20_000);
    assert.equal(ids().length, 1, 'an unchanged build is not read again');
    siteWatch.dispose();
    siteWatch.dispose();
    assert.equal(watched.size, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('finds a change by the periodic check when no event comes, with every locale, and watches new locale folders', () => {
    const {siteDir, clock, watched, siteWatch, ids} = setup();
    siteWatch.start();
    mkdirSync(join(siteDir, 'fr'));
    writeFileSync(join(siteDir, 'fr', 'sandbox-manifest.json'), manifest('fr1'));
    clock.advance(5_000);
    assert.deepEqual(ids(), [':v1 fr:fr1']);
    assert.ok(watched.has(join(siteDir, 'fr')));
    siteWatch.dispose();
  });

  it('keeps the last good manifests while the build is missing or half-written, logs why once, and takes the next complete build', () => {
    const {parent, siteDir, clock, logs, siteWatch, ids, watched} = setup();
    siteWatch.start();
    rmSync(siteDir, {recursive: true});
    clock.advance(5_000);
    clock.advance(5_000);
    assert.deepEqual(ids(), []);
    const warnings = logs.filter((entry) => entry.level === 'warn');
    assert.equal(warnings.length, 1, 'one warning per reason');
    assert.match(String(warnings[0]?.details?.reason), /build folder is missing/);
    assert.equal(watched.size, 0, 'the watch on the deleted folder is dropped');

    // A build made elsewhere and moved in place, first with a half-written manifest.
    const next = join(parent, 'next');
    mkdirSync(next);
    writeFileSync(join(next, 'sandbox-manifest.json'), '{"version": 1, "blocks": [');
    renameSync(next, siteDir);
    clock.advance(5_000);
    assert.deepEqual(ids(), []);
    assert.match(String(logs.at(-1)?.details?.reason), /not complete JSON/);
    assert.ok(watched.has(siteDir), 'the new folder is watched');
    writeFileSync(join(siteDir, 'sandbox-manifest.json'), manifest('v3'));
    watched.get(siteDir)!();
    clock.advance(500);
    assert.deepEqual(ids(), [':v3']);
    siteWatch.dispose();
  });
});
