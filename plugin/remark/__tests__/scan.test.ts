/**
 * The block scan reads a page as Docusaurus's mdx-loader does: constructs
 * Docusaurus accepts through its MDX 1 compatibility (custom heading ids,
 * `<!-- -->` comments) must not turn an MDX page into a CommonMark one, which
 * would miss fences indented inside JSX.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {escapeMarkdownHeadingIds} from '@docusaurus/utils';
import {normalizeConfig} from '../../../config/normalize.js';
import {escapeHeadingIds, parseMdxPage, scanMarkdown} from '../scan.js';

const config = normalizeConfig({});

/** A fence indented inside JSX: MDX reads it as code, CommonMark as an indented code block (no sandbox). */
const inTabs = ['<Tabs>', '  <TabItem value="a">', '', '    ```sandbox', '    echo in tabs', '    ```', '', '  </TabItem>', '</Tabs>', ''].join('\n');

describe('scanMarkdown and Docusaurus MDX 1 compatibility', () => {
  it('reads a page with custom heading ids ({#id}) as MDX, so a fence indented in JSX is found', () => {
    const page = `---\ntitle: Ids\n---\n\n## Setup {#setup}\n\n${inTabs}`;
    const unreadable: Error[] = [];
    const blocks = scanMarkdown(page, {source: 'docs/ids.mdx', config, onUnreadable: (error) => unreadable.push(error)});
    assert.deepEqual(
      blocks.map((block) => [block.line, block.files[0]?.content]),
      [[10, 'echo in tabs\n']],
    );
    assert.deepEqual(unreadable, []);
  });

  it('reads a page with both heading ids and <!-- --> comments', () => {
    const page = `<!-- draft -->\n\n## Setup {#setup}\n\n${inTabs}`;
    assert.equal(scanMarkdown(page, {source: 'docs/both.mdx', config}).length, 1);
  });

  it('leaves a page that parses as it is untouched, code included', () => {
    const page = '```sandbox\n# ${#HOME} characters\necho ${#HOME}\n```\n';
    assert.equal(scanMarkdown(page, {source: 'docs/plain.mdx', config})[0]!.files[0]!.content, '# ${#HOME} characters\necho ${#HOME}\n');
  });

  it('reads a page it cannot parse as MDX as CommonMark and says so, with the place', () => {
    const page = 'Total: {1 +}\n\n```sandbox\necho page\n```\n';
    const unreadable: Error[] = [];
    const blocks = scanMarkdown(page, {source: 'docs/bad.mdx', config, onUnreadable: (error) => unreadable.push(error)});
    assert.equal(blocks.length, 1);
    assert.equal(unreadable.length, 1);
    assert.match(unreadable[0]!.message, /^docs\/bad\.mdx:1:\d+: /);
    assert.throws(() => parseMdxPage(page, 'docs/bad.mdx'), {message: unreadable[0]!.message});
  });
});

describe('escapeHeadingIds', () => {
  it('escapes heading ids as Docusaurus does (escapeMarkdownHeadingIds), code lines included, and moves no line', () => {
    const samples = [
      '## Setup {#setup}\n',
      '# Title {#title}\ntext {#not-a-heading}\n###### Six {#six}\n####### Seven {#seven}\n',
      '## Already \\{#escaped}\n',
      '## Two {#a} {#b}\n',
      '#NoSpace {#x}\n',
      '  ## Indented {#x}\n',
      '```sh\n# ${#HOME} characters\necho ${#HOME}\n```\n',
      '---\ntitle: x\n---\n## After front matter {#after}\r\n## CRLF {#crlf}\r\n',
      'No heading at all.\n',
    ];
    for (const sample of samples) {
      const escaped = escapeHeadingIds(sample);
      assert.equal(escaped, escapeMarkdownHeadingIds(sample), JSON.stringify(sample));
      assert.equal(escaped.split('\n').length, sample.split('\n').length);
    }
  });
});
