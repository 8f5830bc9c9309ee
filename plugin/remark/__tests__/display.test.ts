/**
 * Docusaurus's code-block options (`showLineNumbers`, `showLineNumbers=N`,
 * `{1,3-5}`) reach the `<Sandbox>` element as its `display` prop, by file, and
 * leave the block (and so its id and the manifest) as it was.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {visit} from 'unist-util-visit';
import {VFile} from 'vfile';
import type {SandboxBlock, SandboxDisplay} from '../../../config/block.js';
import remarkSandbox from '../index.js';
import {parseMeta} from '../meta.js';
import {OptionError, readOptions} from '../options.js';

/** The block and display props of each element, from a CommonMark page. */
async function elements(markdown: string): Promise<Array<{block: SandboxBlock; display: SandboxDisplay | undefined}>> {
  const file = new VFile({path: '/site/docs/page.md', value: markdown});
  const processor = unified().use(remarkParse).use(remarkDirective).use(remarkSandbox, {siteDir: '/site', config: {}});
  const tree = await processor.run(processor.parse(file), file);
  const found: Array<{block: SandboxBlock; display: SandboxDisplay | undefined}> = [];
  visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
    const prop = (name: string) => node.attributes.find((item) => item.type === 'mdxJsxAttribute' && item.name === name)?.value;
    const display = prop('display');
    found.push({block: JSON.parse(String(prop('block'))) as SandboxBlock, display: typeof display === 'string' ? (JSON.parse(display) as SandboxDisplay) : undefined});
  });
  return found;
}

describe('display options of runnable blocks', () => {
  it('pass showLineNumbers (from 1 or N) and the line range by file path', async () => {
    const [single, directive] = await elements(
      '```sandbox env=shell showLineNumbers {1,3-4}\na\nb\nc\nd\n```\n\n:::sandbox{env=shell}\n```sh file=a.sh showLineNumbers=10\necho\n```\n```sh file=b.sh {1}\necho\n```\n:::\n',
    );
    assert.deepEqual(single!.display, {files: {'main.sh': {showLineNumbers: 1, highlightLines: '1,3-4'}}});
    assert.deepEqual(directive!.display, {files: {'a.sh': {showLineNumbers: 10}, 'b.sh': {highlightLines: '1'}}});
  });

  it('give no display prop without them, nor with showLineNumbers=false', async () => {
    const found = await elements('```sandbox env=shell\necho\n```\n\n```sandbox env=shell showLineNumbers=false\necho\n```\n');
    assert.deepEqual(found.map((item) => item.display), [undefined, undefined]);
  });

  it('leave the block and its id unchanged', async () => {
    const [plain] = await elements('```sandbox env=shell\necho 1\necho 2\n```\n');
    const [shown] = await elements('```sandbox env=shell showLineNumbers=3 {2}\necho 1\necho 2\n```\n');
    assert.deepEqual(shown!.block, plain!.block);
  });

  it('keep a line range off the directive', () => {
    assert.throws(() => readOptions(parseMeta('env=shell {1}'), 'directive'), (error: unknown) => {
      assert.ok(error instanceof OptionError);
      assert.equal(error.message, 'the line range {1} belongs on a fenced code block inside :::sandbox, not on the directive');
      return true;
    });
  });
});
