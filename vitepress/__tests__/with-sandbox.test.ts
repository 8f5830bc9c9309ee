/**
 * `withSandbox` keeps the site's own settings and hooks, renders blocks with
 * VitePress's Markdown renderer, and its `buildEnd` writes the manifest of the
 * rendered pages into `outDir` in the Docusaurus build's format.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {createMarkdownRenderer, disposeMdItInstance, type SiteConfig} from 'vitepress';
import {MANIFEST_FILE, MANIFEST_VERSION, type SandboxManifest} from '../../config/block.js';
import {withSandbox} from '../index.js';
import {SITE_DATA_MODULE} from '../vite.js';

const root = mkdtempSync(join(tmpdir(), 'sandbox-vitepress-'));
mkdirSync(join(root, '.vitepress'));
mkdirSync(join(root, 'guide'));
after(() => rmSync(root, {recursive: true, force: true}));

const page = '# Guide\n\n```sandbox env=shell\necho hi\n```\n\n::: sandbox env=python\n```python file=main.py\nprint(1)\n```\n:::\n';

describe('withSandbox', () => {
  it('keeps the site settings and hooks and adds its own', async () => {
    const calls: string[] = [];
    const wrapped = withSandbox({
      title: 'Site',
      markdown: {lineNumbers: true, config: () => void calls.push('site markdown')},
      vite: {plugins: [{name: 'site-plugin'}], ssr: {noExternal: ['other']}, optimizeDeps: {include: ['dep']}},
      buildEnd: () => void calls.push('site buildEnd'),
    });
    assert.equal(wrapped.title, 'Site');
    assert.equal(wrapped.markdown?.lineNumbers, true);
    assert.deepEqual(wrapped.vite?.plugins?.map((plugin) => (plugin && typeof plugin === 'object' && 'name' in plugin ? plugin.name : '?')), ['site-plugin', 'docusaurus-sandbox']);
    assert.deepEqual(wrapped.vite?.ssr?.noExternal, ['other', 'docusaurus-sandbox']);
    assert.deepEqual(wrapped.vite?.optimizeDeps?.include, ['dep', 'docusaurus-sandbox > @xterm/xterm', 'docusaurus-sandbox > @xterm/addon-fit']);
    assert.deepEqual(wrapped.vite?.optimizeDeps?.exclude, ['docusaurus-sandbox']);

    disposeMdItInstance();
    const md = await createMarkdownRenderer(root, wrapped.markdown);
    const html = md.render(page, {path: join(root, 'guide/index.md')});
    assert.equal((html.match(/<Sandbox block="/g) ?? []).length, 2);
    assert.deepEqual(calls, ['site markdown']);

    const outDir = join(root, '.vitepress/dist');
    await wrapped.buildEnd?.({outDir, site: {base: '/docs/'}} as SiteConfig);
    assert.deepEqual(calls, ['site markdown', 'site buildEnd']);
    const manifest = JSON.parse(readFileSync(join(outDir, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    assert.equal(manifest.version, MANIFEST_VERSION);
    assert.equal(manifest.baseUrl, '/docs/');
    assert.deepEqual(manifest.blocks.map((block) => [block.source, block.line, block.env]), [['guide/index.md', 3, 'shell'], ['guide/index.md', 7, 'python']]);
  });

  it("registers after a site's asynchronous markdown.config, and stays synchronous after a synchronous one", async () => {
    const order: string[] = [];
    const wrapped = withSandbox({markdown: {config: async () => void order.push('site')}});
    disposeMdItInstance();
    const md = await createMarkdownRenderer(root, {});
    const pending: unknown = wrapped.markdown!.config!(md);
    assert.ok(pending instanceof Promise);
    await pending;
    assert.deepEqual(order, ['site']);
    assert.match(md.render('```sandbox\necho\n```\n', {path: join(root, 'a.md')}), /<Sandbox block=/);
    disposeMdItInstance();
    const plain = await createMarkdownRenderer(root, {});
    const done: unknown = withSandbox({}).markdown!.config!(plain);
    assert.equal(done, undefined);
    assert.match(plain.render('```sandbox\necho\n```\n', {path: join(root, 'b.md')}), /<Sandbox block=/);
  });

  it('reads sandbox.config.json from the site root', async () => {
    writeFileSync(join(root, 'sandbox.config.json'), JSON.stringify({defaultEnv: 'node'}));
    const wrapped = withSandbox({});
    disposeMdItInstance();
    const md = await createMarkdownRenderer(root, wrapped.markdown);
    md.render('```sandbox\nconsole.log(1)\n```\n', {path: join(root, 'guide/node.md')});
    const outDir = join(root, 'out');
    await wrapped.buildEnd?.({outDir, site: {base: '/'}} as SiteConfig);
    const manifest = JSON.parse(readFileSync(join(outDir, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    assert.deepEqual(manifest.blocks.map((block) => block.env), ['node']);
    rmSync(join(root, 'sandbox.config.json'));
  });

  it('fails on a config file that is named but missing, and on bad options', async () => {
    const wrapped = withSandbox({}, {configFile: 'missing.json'});
    disposeMdItInstance();
    const md = await createMarkdownRenderer(root, wrapped.markdown);
    assert.throws(() => md.render('```sandbox\necho\n```\n', {path: join(root, 'x.md')}), /missing\.json/);
    assert.throws(() => withSandbox({}, {serverUrl: 'nope'}), /"serverUrl" must be an http\(s\) URL/);
  });

  it('serves the site data module the component reads', async () => {
    const wrapped = withSandbox({}, {serverUrl: 'https://sandbox.example.com', recordedOnly: false});
    const plugin = wrapped.vite?.plugins?.find((item) => item && typeof item === 'object' && 'name' in item && item.name === 'docusaurus-sandbox');
    const hooks = plugin as unknown as {resolveId: (id: string) => string | undefined; load: (id: string) => Promise<string | undefined>};
    const resolved = hooks.resolveId(SITE_DATA_MODULE);
    assert.ok(resolved);
    assert.equal(await hooks.load(resolved), 'export default {"serverUrl":"https://sandbox.example.com","recordedOnly":false};\n');
    assert.equal(hooks.resolveId('other'), undefined);
  });
});
