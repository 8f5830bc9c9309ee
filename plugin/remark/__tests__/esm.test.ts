/**
 * A page with a block imports `@theme/Sandbox` itself, so it renders with a
 * site's own (ejected) MDXComponents map that knows no `Sandbox`. Compiled by
 * MDX, the element must use that import rather than the components map.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {compile} from '@mdx-js/mdx';
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import remarkStringify from 'remark-stringify';
import {unified} from 'unified';
import {VFile} from 'vfile';
import remarkSandbox, {type RemarkSandboxOptions} from '../index.js';

const options: RemarkSandboxOptions = {siteDir: '/site', config: {}};
const plugin: [typeof remarkSandbox, RemarkSandboxOptions] = [remarkSandbox, options];

async function output(markdown: string): Promise<string> {
  const file = new VFile({path: '/site/docs/page.mdx', value: markdown});
  return String(await unified().use(remarkParse).use(remarkMdx).use(remarkDirective).use(remarkSandbox, options).use(remarkStringify).process(file));
}

const block = '```sandbox\necho hi\n```\n';

describe('the import of @theme/Sandbox', () => {
  it('compiles into an import that the element uses, not the MDX components map', async () => {
    const js = String(await compile(`# Page\n\n${block}`, {remarkPlugins: [remarkDirective, plugin]}));
    assert.match(js, /^import Sandbox from '@theme\/Sandbox';$/m);
    assert.match(js, /_jsx\(Sandbox, \{/);
    assert.doesNotMatch(js, /_components\.Sandbox|Sandbox\b[^\n]*_missingMdxReference/);
  });

  it('works in a CommonMark (.md) page too', async () => {
    const js = String(await compile({path: '/site/docs/page.md', value: `# Page\n\n${block}`}, {format: 'md', remarkPlugins: [remarkDirective, plugin]}));
    assert.match(js, /^import Sandbox from '@theme\/Sandbox';$/m);
    assert.match(js, /_jsx\(Sandbox, \{/);
  });

  it('is added once, at the top of the page, and only to pages with blocks', async () => {
    const text = await output(`import Tabs from '@theme/Tabs';\n\n${block}\n${block}`);
    assert.equal(text.match(/@theme\/Sandbox/g)?.length, 1);
    assert.ok(text.startsWith("import Sandbox from '@theme/Sandbox';\n\nimport Tabs from '@theme/Tabs';\n"));
    assert.doesNotMatch(await output('# No blocks\n\n```sh\necho\n```\n'), /@theme\/Sandbox/);
  });

  it('is not added again to a page that imports it already', async () => {
    const text = await output(`import Sandbox from '@theme/Sandbox';\n\n${block}`);
    assert.equal(text.match(/@theme\/Sandbox/g)?.length, 1);
    const js = String(await compile(`import Sandbox from '@theme/Sandbox';\n\n${block}`, {remarkPlugins: [remarkDirective, plugin]}));
    assert.equal(js.match(/@theme\/Sandbox/g)?.length, 1);
  });

  it('refuses, with the place, a page that binds Sandbox to something else', async () => {
    for (const declaration of ["import Sandbox from './my-sandbox';", "import {Sandbox} from '@theme/Sandbox';", 'export const Sandbox = () => null;', 'export function Sandbox() { return null; }']) {
      await assert.rejects(output(`# Page\n\n${declaration}\n\n${block}`), {
        message: `docs/page.mdx:3:1: this page declares its own "Sandbox", the name its sandbox blocks render as; rename yours, or make it import Sandbox from '@theme/Sandbox'`,
      });
    }
  });
});
