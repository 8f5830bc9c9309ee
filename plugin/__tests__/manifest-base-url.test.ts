import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../config/index.js';
import {collectManifest} from '../manifest.js';

const config = normalizeConfig({});

describe('the manifest records the build baseUrl', () => {
  it('writes baseUrl when given (keeping version 1) and nothing when not', async () => {
    const siteDir = await mkdtemp(join(tmpdir(), 'sandbox-manifest-base-'));
    try {
      await mkdir(join(siteDir, 'docs'));
      await writeFile(join(siteDir, 'docs', 'a.md'), '```sandbox\necho hi\n```\n');
      const sources = ['@site/docs/a.md'];
      const based = await collectManifest({siteDir, sources, config, baseUrl: '/sub/fr/'});
      assert.equal(based.version, 1);
      assert.equal(based.baseUrl, '/sub/fr/');
      assert.equal(based.blocks.length, 1);
      assert.equal('baseUrl' in (await collectManifest({siteDir, sources, config})), false);
    } finally {
      await rm(siteDir, {recursive: true, force: true});
    }
  });
});
