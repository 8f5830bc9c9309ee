/**
 * The markdown-it plugin in VitePress's own Markdown pipeline
 * (`createMarkdownRenderer`, with its front matter, containers and
 * highlighting) against the remark plugin's fixtures and error cases: the two
 * front ends must find the same blocks, with the same ids, and refuse bad ones
 * with the same `source:line:column: reason`.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {createMarkdownRenderer, disposeMdItInstance, type MarkdownRenderer} from 'vitepress';
import type {SandboxBlock} from '../../config/block.js';
import type {SandboxConfigInput} from '../../config/schema.js';
import {ERROR_CASES} from '../../plugin/remark/__tests__/error-cases.js';
import markdownItSandbox, {parseContainerLine, SandboxAuthoringError, type RenderedPage} from '../markdown.js';

const fixtures = fileURLToPath(new URL('../../plugin/remark/__tests__/__fixtures__/', import.meta.url));
/** VitePress pages are Markdown: the MDX fixture (JSX around fences) is the remark plugin's alone. */
const shared = readdirSync(fixtures).filter((name) => /^[a-z-]+\.md$/.test(name)).sort();

/** VitePress keeps one renderer per process: each test disposes it to get its own options. */
async function renderer(siteDir: string, config: SandboxConfigInput, pages: RenderedPage[]): Promise<MarkdownRenderer> {
  disposeMdItInstance();
  return createMarkdownRenderer(siteDir, {
    config: (md) => {
      md.use(markdownItSandbox, {siteDir, config, onPage: (page: RenderedPage) => pages.push(page)});
    },
  });
}

/** The `block` props of the rendered `<Sandbox>` elements, decoded as Vue's template compiler decodes them. */
function renderedBlocks(html: string): SandboxBlock[] {
  const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...html.matchAll(/<Sandbox block="([^"]*)"/g)].map((match) => JSON.parse(decode(match[1]!)) as SandboxBlock);
}

describe('markdown-it plugin on the remark fixtures', () => {
  it('runs every Markdown fixture of the remark plugin', () => {
    assert.deepEqual(shared, ['directive.md', 'display.md', 'options.md', 'session.md', 'single.md', 'terminal.md', 'untouched.md']);
  });

  for (const name of shared) {
    it(`${name}: the same blocks as the remark plugin (its ${name.replace(/\.md$/, '.blocks.json')})`, async () => {
      const pages: RenderedPage[] = [];
      const md = await renderer(fixtures, {}, pages);
      const html = md.render(readFileSync(join(fixtures, name), 'utf8'), {path: join(fixtures, name)});
      const expected = JSON.parse(readFileSync(join(fixtures, name.replace(/\.md$/, '.blocks.json')), 'utf8')) as SandboxBlock[];
      assert.deepEqual(pages.at(-1)?.blocks, expected);
      assert.deepEqual(renderedBlocks(html), expected);
      assert.equal(pages.at(-1)?.source, name);
    });
  }

  it("reads VitePress's `::: sandbox META` container as the directive `:::sandbox{META}`", async () => {
    const directive = readFileSync(join(fixtures, 'directive.md'), 'utf8');
    const vitepressStyle = directive
      .replace(':::sandbox{env=python cmd="python3 main.py" title="A small package"}', '::: sandbox env=python cmd="python3 main.py" title="A small package"')
      .replace(':::sandbox[Labelled]{env=node}', '::: sandbox env=node title=Labelled');
    assert.notEqual(vitepressStyle, directive);
    const pages: RenderedPage[] = [];
    const md = await renderer(fixtures, {}, pages);
    md.render(vitepressStyle, {path: join(fixtures, 'directive.md')});
    assert.deepEqual(pages.at(-1)?.blocks, JSON.parse(readFileSync(join(fixtures, 'directive.blocks.json'), 'utf8')));
  });

  it('leaves other fences and containers to VitePress', async () => {
    const text = '# Title\n\n::: tip\nA tip\n:::\n\n```js\nlet a = 1;\n```\n\n````md\n```sandbox\nx\n```\n````\n';
    disposeMdItInstance();
    const plain = await createMarkdownRenderer(fixtures);
    const plainHtml = plain.render(text, {path: join(fixtures, 'x.md')});
    const pages: RenderedPage[] = [];
    const md = await renderer(fixtures, {}, pages);
    assert.equal(md.render(text, {path: join(fixtures, 'x.md')}), plainHtml);
    assert.deepEqual(pages.at(-1)?.blocks, []);
  });
});

describe('container opening lines', () => {
  it('reads both styles and refuses unclosed braces', () => {
    assert.deepEqual(parseContainerLine(':::sandbox[Title]{env=node}'), {label: 'Title', meta: 'env=node'});
    assert.deepEqual(parseContainerLine('::: sandbox env=python cmd="python3 main.py"'), {label: undefined, meta: ' env=python cmd="python3 main.py"'});
    assert.deepEqual(parseContainerLine(':::sandbox'), {label: undefined, meta: ''});
    assert.equal(parseContainerLine(':::sandbox{env=node'), undefined);
    assert.equal(parseContainerLine('::: sandboxes'), undefined);
  });
});

/**
 * Cases whose input markdown-it reads differently before any plugin sees it:
 * `::sandbox` (a remark-directive leaf) is a paragraph there, and markdown-it
 * replaces a NUL by U+FFFD in the whole source, as CommonMark says, so the path
 * holds no NUL any more (see the test below).
 */
const REMARK_ONLY = new Set(['leaf directive', 'NUL in the path']);

describe('markdown-it plugin refuses bad blocks as the remark plugin does', () => {
  for (const {name, markdown, config, message} of ERROR_CASES.filter((item) => !REMARK_ONLY.has(item.name))) {
    it(name, async () => {
      const md = await renderer('/site', config ?? {}, []);
      assert.throws(
        () => md.render(markdown, {path: '/site/docs/guide.md'}),
        (error: unknown) => error instanceof SandboxAuthoringError && error.message === message && error.code === 'invalid-sandbox-block',
      );
    });
  }

  it('reads a NUL in a path as U+FFFD, as markdown-it reads the whole page', async () => {
    const pages: RenderedPage[] = [];
    const md = await renderer('/site', {}, pages);
    md.render('```sandbox file="a\u0000b.sh"\necho\n```\n', {path: '/site/docs/guide.md'});
    assert.equal(pages.at(-1)?.blocks[0]?.files[0]?.path, 'a\ufffdb.sh');
  });

  it('counts the lines of the front matter VitePress strips before the parse', async () => {
    const md = await renderer('/site', {}, []);
    const page = '---\ntitle: Guide\nsandbox_session: tour\n---\n\n# Guide\n\n```sandbox env=ruby\necho\n```\n';
    assert.throws(() => md.render(page, {path: '/site/docs/guide.md'}), {message: /^docs\/guide\.md:8:1: unknown env "ruby"/});
  });

  it('reports every bad block of a page at once, in document order', async () => {
    const md = await renderer('/site', {}, []);
    const page = ['# Guide', '', '```sandbox env=ruby', 'echo 1', '```', '', '::: sandbox env=shell', '```sh', 'echo no path', '```', ':::', ''].join('\n');
    assert.throws(() => md.render(page, {path: '/site/docs/guide.md'}), {
      message: [
        'docs/guide.md:3:1: unknown env "ruby"; use one of shell, node, python or add it to sandbox.config.json',
        'docs/guide.md:8:1: a fenced code block inside :::sandbox needs file=path in its meta, e.g. ```python file=main.py',
      ].join('\n'),
    });
  });
});
