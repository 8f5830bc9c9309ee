/**
 * Every validation error stops the pipeline with `file.fail`: the message
 * starts with `source:line:column` (what Docusaurus prints) and the VFile
 * message carries the same place. Each case pins both.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {VFile} from 'vfile';

type VFileMessage = ReturnType<VFile['message']>;
import type {SandboxConfigInput} from '../../../config/schema.js';
import remarkSandbox from '../index.js';
import {ERROR_CASES, fence} from './error-cases.js';

async function failure(markdown: string, config: SandboxConfigInput = {}): Promise<VFileMessage> {
  const file = new VFile({path: '/site/docs/guide.md', value: markdown});
  const processor = unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkSandbox, {siteDir: '/site', config});
  try {
    await processor.run(processor.parse(file), file);
  } catch (error) {
    return error as VFileMessage;
  }
  return assert.fail('expected the block to be refused');
}

describe('validation errors stop the build with a place', () => {
  for (const {name, markdown, config, message} of ERROR_CASES) {
    it(name, async () => {
      const error = await failure(markdown, config);
      assert.equal(error.message, message);
      const [line, column] = message.split(':').slice(1, 3).map(Number);
      assert.equal(error.line, line);
      assert.equal(error.column, column);
      assert.equal(error.fatal, true);
      assert.equal(error.source, 'docusaurus-sandbox');
    });
  }
});

describe('every bad block of a file is reported at once', () => {
  const markdown = [
    '# Guide', '', '```sandbox env=ruby', 'echo 1', '```', '',
    '```sandbox env=shell', 'echo fine', '```', '',
    ':::sandbox{env=shell}', '```sh', 'echo no path', '```', ':::', '',
    '```sandbox timeout=soon', 'echo 3', '```', '',
  ].join('\n');

  it('fails once, at the first place, listing each problem with its place in document order', async () => {
    const error = await failure(markdown);
    assert.equal(
      error.message,
      [
        'docs/guide.md:3:1: unknown env "ruby"; use one of shell, node, python or add it to sandbox.config.json',
        'docs/guide.md:12:1: a fenced code block inside :::sandbox needs file=path in its meta, e.g. ```python file=main.py',
        'docs/guide.md:17:1: timeout=soon is not a duration; write e.g. timeout=30s or timeout=2m',
      ].join('\n'),
    );
    assert.equal(error.line, 3);
    assert.equal(error.column, 1);
    assert.equal(error.fatal, true);
  });

  it('records each problem as its own message with its place, then the failure', async () => {
    const file = new VFile({path: '/site/docs/guide.md', value: markdown});
    const processor = unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkSandbox, {siteDir: '/site', config: {}});
    await assert.rejects(processor.run(processor.parse(file), file));
    assert.deepEqual(
      file.messages.map((message) => [message.line, message.column, message.fatal, message.source]),
      [
        [3, 1, false, 'docusaurus-sandbox'],
        [12, 1, false, 'docusaurus-sandbox'],
        [17, 1, false, 'docusaurus-sandbox'],
        [3, 1, true, 'docusaurus-sandbox'],
      ],
    );
  });

  it('reports a single problem exactly as before: one message, no list', async () => {
    const file = new VFile({path: '/site/docs/guide.md', value: fence('env=ruby')});
    const processor = unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkSandbox, {siteDir: '/site', config: {}});
    await assert.rejects(processor.run(processor.parse(file), file));
    assert.equal(file.messages.length, 1);
    assert.doesNotMatch(file.messages[0]!.message, /\n/);
  });
});
