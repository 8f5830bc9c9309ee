/**
 * Generates the benchmark site: PAGES docs pages with BLOCKS sandbox fences
 * each, identical Markdown for both variants. "with" registers the remark
 * plugin and the Docusaurus plugin; "without" builds the same fences as plain
 * code blocks, so the difference is the plugin's cost.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

export type Variant = 'with' | 'without';

const FENCES = [
  (page: number, block: number) => `\`\`\`sandbox env=shell title="Page ${page}, block ${block}"\necho "page ${page} block ${block}"\nls -la /workspace\n\`\`\``,
  (page: number, block: number) =>
    `\`\`\`sandbox env=node file=index.js cmd="node index.js"\nconst items = [${page}, ${block}];\nconsole.log(items.map((item) => item * 2));\n\`\`\``,
  (page: number, block: number) => `\`\`\`sandbox env=python timeout=10s expect="${page}"\nfor i in range(${block + 1}):\n    print(${page}, i)\n\`\`\``,
  (page: number, block: number) => `\`\`\`sandbox env=shell editable=false\nprintf '%s\\n' ${page} ${block} | sort -n\n\`\`\``,
  () => '```sandbox env=shell\n```',
];

export function pageMarkdown(page: number, blocks: number): string {
  const parts = [`---\ntitle: Page ${page}\n---\n\n# Page ${page}\n`];
  for (let block = 0; block < blocks; block += 1) {
    parts.push(`## Step ${block + 1}\n\nSome prose about step ${block + 1} of page ${page}, with \`inline code\` and a [link](#step-${block + 1}).\n`);
    parts.push(`${FENCES[block % FENCES.length]!(page, block)}\n`);
  }
  return parts.join('\n');
}

function siteConfig(variant: Variant): string {
  const remark = variant === 'with' ? "import sandbox from 'docusaurus-sandbox/remark';\n" : '';
  return `import type {Config} from '@docusaurus/types';
${remark}
const config: Config = {
  title: 'bench ${variant}',
  url: 'http://localhost',
  baseUrl: '/',
  // The generated pages have no home page; links to / are expected to break.
  onBrokenLinks: 'ignore',
  future: {v4: true, faster: false},
  presets: [['classic', {docs: {routeBasePath: '/', ${variant === 'with' ? 'remarkPlugins: [sandbox]' : ''}}, blog: false, pages: false}]],
  plugins: [${variant === 'with' ? "'docusaurus-sandbox'" : ''}],
};

export default config;
`;
}

export function generateSite(dir: string, variant: Variant, pages: number, blocks: number): void {
  mkdirSync(join(dir, 'docs'), {recursive: true});
  // Own package.json: the webpack cache lives beside it, apart from other sites.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({name: `bench-site-${variant}`, private: true}, null, 2)}\n`);
  writeFileSync(join(dir, 'docusaurus.config.ts'), siteConfig(variant));
  for (let page = 1; page <= pages; page += 1) {
    writeFileSync(join(dir, 'docs', `page-${String(page).padStart(3, '0')}.md`), pageMarkdown(page, blocks));
  }
}
