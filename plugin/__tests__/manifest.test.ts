import assert from 'node:assert/strict';
import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {escapeMarkdownHeadingIds} from '@docusaurus/utils';
import type {MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {visit} from 'unist-util-visit';
import {VFile} from 'vfile';
import type {SandboxBlock} from '../../config/block.js';
import {normalizeConfig} from '../../config/normalize.js';
import {collectManifest, manifestOf, markdownImports, markdownSources, partialPath, resolveSiteSource, serializeManifest, writeManifest} from '../manifest.js';
import remarkSandbox from '../remark/index.js';

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

  it('has no sessions key when no page has a page session, so it reads as before', () => {
    const manifest = manifestOf([{source: 'docs/a.md', text: '```sandbox\necho 1\n```\n'}], config);
    assert.equal('sessions' in manifest, false);
    assert.equal(serializeManifest(manifest).includes('session'), false);
  });

  it('lists each page session once, sorted, and gives its blocks their session and step', () => {
    const files = [
      {source: 'docs/z.md', text: '---\nsandbox_session: tour\n---\n\n```sandbox\necho 1\n```\n\n```sandbox\necho 2\n```\n'},
      {source: 'docs/a.md', text: '```sandbox env=node session=late\nconsole.log(1)\n```\n\n```sandbox session=early\necho 1\n```\n\n```sandbox env=node session=late\n```\n'},
    ];
    const forward = manifestOf(files, config);
    assert.equal(serializeManifest(forward), serializeManifest(manifestOf([...files].reverse().concat(files), config)));
    assert.equal(forward.version, 1);
    const sessions = forward.sessions ?? [];
    assert.deepEqual(sessions.map((session) => [session.source, session.name, session.env, session.blocks.length]), [
      ['docs/a.md', 'late', 'node', 2],
      ['docs/a.md', 'early', 'shell', 1],
      ['docs/z.md', 'tour', 'shell', 2],
    ]);
    for (const session of sessions) {
      assert.match(session.id, /^ps-[0-9a-f]{12}$/);
      const steps = session.blocks.map((id) => forward.blocks.find((block) => block.id === id));
      assert.deepEqual(steps.map((block) => [block?.session, block?.step]), session.blocks.map((_, index) => [session.id, index + 1]));
    }
  });
});

/**
 * Two pages render `_setup.mdx` (one through `./`, one through `@site/`), which renders `shared/_check.md`;
 * `heading-ids.mdx` has a custom heading id and renders `_teardown.mdx`.
 */
const partialsSite = fileURLToPath(new URL('./__fixtures__/partials-site/', import.meta.url));

/**
 * The blocks the remark plugin renders for a file, compiled the way the mdx-loader compiles it (site found from its
 * path), after Docusaurus's own heading-id preprocessing, which the fixture site turns on.
 */
async function rendered(relativePath: string): Promise<SandboxBlock[]> {
  const path = join(partialsSite, relativePath);
  const file = new VFile({path, value: escapeMarkdownHeadingIds(await readFile(path, 'utf8'))});
  const processor = unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkSandbox);
  const tree = await processor.run(processor.parse(file), file);
  const blocks: SandboxBlock[] = [];
  visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
    const value = node.attributes.find((attribute) => attribute.type === 'mdxJsxAttribute' && attribute.name === 'block')?.value;
    if (typeof value === 'string') blocks.push(JSON.parse(value) as SandboxBlock);
  });
  return blocks;
}

async function withSite(files: Record<string, string>, body: (siteDir: string) => Promise<void>): Promise<void> {
  const siteDir = await mkdtemp(join(tmpdir(), 'sandbox-partials-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(siteDir, path, '..'), {recursive: true});
      await writeFile(join(siteDir, path), text);
    }
    await body(siteDir);
  } finally {
    await rm(siteDir, {recursive: true, force: true});
  }
}

describe('manifest of MDX partials', () => {
  it('lists the blocks of the partials the pages import, transitively, once each, with the ids the pages render', async () => {
    const manifest = await collectManifest({siteDir: partialsSite, sources: ['@site/docs/index.mdx', '@site/docs/other.mdx'], config});
    assert.deepEqual(
      manifest.blocks.map((block) => [block.source, block.line, block.files[0]?.content]),
      [
        ['docs/_setup.mdx', 5, 'echo setup\n'],
        ['docs/index.mdx', 11, 'echo first page\n'],
        ['docs/shared/_check.md', 3, 'echo check\n'],
      ],
    );
    const renderedIds = new Set((await Promise.all(['docs/index.mdx', 'docs/_setup.mdx', 'docs/shared/_check.md'].map(rendered))).flat().map((block) => block.id));
    assert.deepEqual(new Set(manifest.blocks.map((block) => block.id)), renderedIds);
  });

  it('follows the imports of a page with custom heading ids ({#id}), with the ids Docusaurus renders', async () => {
    const warnings: string[] = [];
    const manifest = await collectManifest({siteDir: partialsSite, sources: ['@site/docs/heading-ids.mdx'], config, warn: (message) => warnings.push(message)});
    assert.deepEqual(
      manifest.blocks.map((block) => [block.source, block.line, block.files[0]?.content]),
      [
        ['docs/_teardown.mdx', 3, 'echo teardown\n'],
        // Docusaurus escapes the first `{#` of every line that starts with `#`, code included.
        ['docs/heading-ids.mdx', 9, '# $\\{#HOME} counts the characters of HOME\necho ${#HOME}\n'],
      ],
    );
    const renderedIds = new Set((await Promise.all(['docs/heading-ids.mdx', 'docs/_teardown.mdx'].map(rendered))).flat().map((block) => block.id));
    assert.deepEqual(new Set(manifest.blocks.map((block) => block.id)), renderedIds);
    assert.deepEqual(warnings, []);
  });

  it('warns once, with the place, about a page it cannot read, and lists the blocks it can', async () => {
    await withSite(
      {
        'docs/page.mdx': "import A from './_a.mdx';\n\nTotal: {1 +}\n\n```sandbox\necho page\n```\n\n<A />\n",
        'docs/_a.mdx': '```sandbox\necho a\n```\n',
      },
      async (siteDir) => {
        const warnings: string[] = [];
        const manifest = await collectManifest({siteDir, sources: ['@site/docs/page.mdx'], config, warn: (message) => warnings.push(message)});
        assert.deepEqual(manifest.blocks.map((block) => block.source), ['docs/page.mdx'], 'read as CommonMark; its imports are unknown');
        assert.equal(warnings.length, 1, 'one warning for the import scan and the block scan of the page');
        assert.match(warnings[0]!, /^\[docusaurus-sandbox\] docs\/page\.mdx:3:\d+: .*could not read this page as MDX, so blocks in it or in the Markdown files it imports may be missing from sandbox-manifest\.json/);
      },
    );
  });

  it('reads the same manifest whatever the order of the pages', async () => {
    const sources = ['@site/docs/other.mdx', '@site/docs/index.mdx'];
    const forward = await collectManifest({siteDir: partialsSite, sources, config});
    const backward = await collectManifest({siteDir: partialsSite, sources: [...sources].reverse(), config});
    assert.equal(serializeManifest(forward), serializeManifest(backward));
  });

  it('stops with the place when a partial has a bad block', async () => {
    await withSite(
      {
        'docs/page.mdx': "import Bad from './_bad.mdx';\n\n<Bad />\n",
        'docs/_bad.mdx': 'Intro.\n\n```sandbox env=nope\n```\n',
      },
      async (siteDir) => {
        await assert.rejects(collectManifest({siteDir, sources: ['@site/docs/page.mdx'], config}), {message: /^docs\/_bad\.mdx:3:1: unknown env "nope"/});
      },
    );
  });

  it('reads each partial once when partials import each other', async () => {
    await withSite(
      {
        'docs/page.mdx': "import A from './_a.mdx';\n\n<A />\n",
        'docs/_a.mdx': "import B from './_b.mdx';\n\n```sandbox\necho a\n```\n",
        'docs/_b.mdx': "import A from './_a.mdx';\n\n```sandbox\necho b\n```\n",
      },
      async (siteDir) => {
        const manifest = await collectManifest({siteDir, sources: ['@site/docs/page.mdx'], config});
        assert.deepEqual(manifest.blocks.map((block) => block.source), ['docs/_a.mdx', 'docs/_b.mdx']);
      },
    );
  });

  it('finds import and export-from statements only where MDX reads ESM', () => {
    const page = [
      '---',
      'title: {braces}',
      '---',
      '',
      "import Setup from './_setup.mdx';",
      "export {default as Check} from '@site/docs/_check.md';",
      "import Button from '@site/src/components/Button';",
      '',
      '<!-- a comment -->',
      '',
      '```mdx',
      "import Example from './_example.mdx';",
      '```',
      '',
    ].join('\n');
    const found = ['./_setup.mdx', '@site/docs/_check.md', '@site/src/components/Button'];
    assert.deepEqual(markdownImports(page, 'docs/page.mdx', 'mdx'), found);
    assert.deepEqual(markdownImports(page, 'docs/page.mdx', 'detect'), found);
    assert.deepEqual(markdownImports(page, 'docs/page.md', 'detect'), [], 'CommonMark has no imports');
    assert.deepEqual(markdownImports(page, 'docs/page.mdx', 'md'), []);
    assert.deepEqual(markdownImports("import Button from './Button';\n", 'docs/page.mdx', 'mdx'), [], 'no Markdown import, no parse');
  });

  it('reads the imports of a page with custom heading ids and fails with the place on a page it cannot parse', () => {
    const page = "import Setup from './_setup.mdx';\n\n## Setup {#setup}\n\n<Setup />\n";
    assert.deepEqual(markdownImports(page, 'docs/page.mdx', 'mdx'), ['./_setup.mdx']);
    assert.throws(() => markdownImports(`${page}\nTotal: {1 +}\n`, 'docs/page.mdx', 'mdx'), {message: /^docs\/page\.mdx:7:\d+: /});
  });

  it('resolves relative and @site/ imports of Markdown files only', () => {
    const importer = join('/site', 'docs', 'guide', 'page.mdx');
    assert.equal(partialPath('./_setup.mdx', importer, '/site'), join('/site', 'docs', 'guide', '_setup.mdx'));
    assert.equal(partialPath('../_setup.md', importer, '/site'), join('/site', 'docs', '_setup.md'));
    assert.equal(partialPath('@site/docs/_setup.mdx', importer, '/site'), join('/site', 'docs', '_setup.mdx'));
    assert.equal(partialPath('./Button.tsx', importer, '/site'), undefined);
    assert.equal(partialPath('some-package/readme.md', importer, '/site'), undefined);
    assert.equal(partialPath('!!raw-loader!./_setup.mdx', importer, '/site'), undefined, 'raw text renders no block');
  });
});
