import assert from 'node:assert/strict';
import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../config/normalize.js';
import {collectManifest, manifestOf, markdownSources, resolveSiteSource, serializeManifest, writeManifest} from '../manifest.js';

const config = normalizeConfig({});

const allContent = {
  'docusaurus-plugin-content-docs': {
    default: {
      loadedVersions: [
        {docs: [{source: '@site/docs/b.md'}, {source: '@site/docs/a.mdx'}]},
        {docs: [{source: '@site/versioned_docs/version-1.0/a.md'}]},
      ],
    },
    community: {loadedVersions: [{docs: [{source: '@site/community/x.md'}]}]},
  },
  'docusaurus-plugin-content-blog': {default: {blogPosts: [{metadata: {source: '@site/blog/post.md'}}, {metadata: {source: '@site/blog/post.md'}}]}},
  'docusaurus-plugin-content-pages': {default: [{type: 'jsx', source: '@site/src/pages/index.tsx'}, {type: 'mdx', source: '@site/src/pages/page.md'}]},
  'some-other-plugin': {default: {source: '@site/ignored.md'}},
};

describe('manifest', () => {
  it('lists the Markdown sources of every docs version and instance, blog and pages, once each, sorted', () => {
    assert.deepEqual(markdownSources(allContent), [
      '@site/blog/post.md',
      '@site/community/x.md',
      '@site/docs/a.mdx',
      '@site/docs/b.md',
      '@site/src/pages/page.md',
      '@site/versioned_docs/version-1.0/a.md',
    ]);
    assert.deepEqual(markdownSources({}), []);
  });

  it('resolves @site/ paths against the site directory', () => {
    assert.equal(resolveSiteSource('@site/docs/a.md', '/site'), join('/site', 'docs/a.md'));
    assert.equal(resolveSiteSource('/abs/a.md', '/site'), '/abs/a.md');
  });

  it('sorts by source and line and keeps one entry per id whatever the input order', () => {
    const files = [
      {source: 'docs/z.md', text: '```sandbox\necho z\n```\n'},
      {source: 'docs/a.md', text: '# A\n\n```sandbox\necho 2\n```\n\n```sandbox\n```\n'},
    ];
    const forward = manifestOf(files, config);
    const backward = manifestOf([...files].reverse().concat(files), config);
    assert.equal(serializeManifest(forward), serializeManifest(backward));
    assert.deepEqual(forward.blocks.map((block) => [block.source, block.line]), [['docs/a.md', 3], ['docs/a.md', 7], ['docs/z.md', 1]]);
    assert.equal(forward.version, 1);
  });

  it('reads the sources from disk and writes sandbox-manifest.json', async () => {
    const siteDir = await mkdtemp(join(tmpdir(), 'sandbox-manifest-'));
    try {
      await mkdir(join(siteDir, 'docs'));
      await writeFile(join(siteDir, 'docs', 'a.md'), '---\ntitle: A\n---\n\n```sandbox env=node\nconsole.log(1)\n```\n');
      const manifest = await collectManifest({siteDir, sources: ['@site/docs/a.md'], config});
      assert.equal(manifest.blocks.length, 1);
      assert.equal(manifest.blocks[0]!.source, 'docs/a.md');
      assert.equal(manifest.blocks[0]!.line, 5);
      const path = await writeManifest(join(siteDir, 'build'), manifest);
      assert.equal(await readFile(path, 'utf8'), serializeManifest(manifest));
      assert.ok(path.endsWith('sandbox-manifest.json'));
    } finally {
      await rm(siteDir, {recursive: true, force: true});
    }
  });

  it('stops with the place when a source has a bad block', () => {
    assert.throws(() => manifestOf([{source: 'docs/bad.md', text: '\n```sandbox env=nope\n```\n'}], config), {message: /^docs\/bad\.md:2:1: unknown env "nope"/});
  });
});
