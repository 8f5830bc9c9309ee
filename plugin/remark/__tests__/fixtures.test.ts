/**
 * Fixture → output tests: each `__fixtures__/<name>.md(x)` goes through a
 * unified pipeline like Docusaurus's (remark-parse, remark-mdx,
 * remark-directive) with the plugin, and must equal the committed
 * `<name>.output.mdx` and `<name>.blocks.json`. UPDATE_FIXTURES=1 rewrites them.
 */
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import type {MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import type {Root} from 'mdast';
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import remarkStringify from 'remark-stringify';
import {unified} from 'unified';
import {visit} from 'unist-util-visit';
import type {SandboxBlock} from '../../../config/block.js';
import {normalizeConfig} from '../../../config/normalize.js';
import remarkSandbox from '../index.js';
import {scanMarkdown} from '../scan.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const update = process.env.UPDATE_FIXTURES === '1';
const inputs = readdirSync(fixtures).filter((name) => /^[a-z-]+\.mdx?$/.test(name)).sort();

async function compile(name: string): Promise<{output: string; blocks: SandboxBlock[]}> {
  const blocks: SandboxBlock[] = [];
  const collect = () => (tree: Root) => {
    visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
      const attribute = node.attributes.find((item) => item.type === 'mdxJsxAttribute' && item.name === 'block');
      if (node.name === 'Sandbox' && typeof attribute?.value === 'string') blocks.push(JSON.parse(attribute.value) as SandboxBlock);
    });
  };
  const file = await unified()
    .use(remarkParse)
    .use(remarkMdx)
    .use(remarkDirective)
    .use(remarkSandbox, {siteDir: fixtures, config: {}})
    .use(collect)
    .use(remarkStringify)
    .process({path: join(fixtures, name), value: readFileSync(join(fixtures, name), 'utf8')});
  return {output: String(file), blocks};
}

function expectFile(path: string, actual: string): void {
  if (update || !existsSync(path)) {
    if (!update) assert.fail(`${path} is missing; run with UPDATE_FIXTURES=1 and review it`);
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'));
}

describe('remark plugin fixtures', () => {
  it('has the fixtures the acceptance list asks for', () => {
    assert.deepEqual(inputs, ['directive.md', 'display.md', 'nested.mdx', 'options.md', 'session.md', 'single.md', 'terminal.md', 'untouched.md']);
  });

  for (const name of inputs) {
    const stem = name.replace(/\.mdx?$/, '');
    it(`${name} → ${stem}.output.mdx and ${stem}.blocks.json`, async () => {
      const {output, blocks} = await compile(name);
      expectFile(join(fixtures, `${stem}.output.mdx`), output);
      expectFile(join(fixtures, `${stem}.blocks.json`), `${JSON.stringify(blocks, null, 2)}\n`);
    });

    it(`${name}: the manifest scanner finds the same blocks with the same ids`, async () => {
      const {blocks} = await compile(name);
      const scanned = scanMarkdown(readFileSync(join(fixtures, name), 'utf8'), {source: name, config: normalizeConfig({})});
      assert.deepEqual(scanned, blocks);
    });
  }

  it('gives the same ids on every run and different ids for a different source path', async () => {
    const first = await compile('directive.md');
    const second = await compile('directive.md');
    assert.deepEqual(first.blocks.map((block) => block.id), second.blocks.map((block) => block.id));
    const text = readFileSync(join(fixtures, 'directive.md'), 'utf8');
    const elsewhere = scanMarkdown(text, {source: 'other/directive.md', config: normalizeConfig({})});
    assert.notEqual(elsewhere[0]!.id, first.blocks[0]!.id);
    assert.match(first.blocks[0]!.id, /^[0-9a-f]{12}$/);
  });

  it('leaves a tree without sandbox blocks exactly as it was', async () => {
    const text = '# Title\n\n```js\nlet a = 1;\n```\n\n````md\n```sandbox\nx\n```\n````\n';
    const plain = await unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkStringify).process(text);
    const withPlugin = await unified()
      .use(remarkParse)
      .use(remarkMdx)
      .use(remarkDirective)
      .use(remarkSandbox, {config: {}})
      .use(remarkStringify)
      .process(text);
    assert.equal(String(withPlugin), String(plain));
  });
});
