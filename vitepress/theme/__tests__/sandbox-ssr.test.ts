/**
 * The component's server-rendered HTML: the block's code readable without
 * JavaScript, Run disabled until hydration, the data attributes the
 * Docusaurus theme has, and the page's language.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {createSSRApp, h, ref} from 'vue';
import {renderToString} from 'vue/server-renderer';
import type {SandboxBlock} from '../../../config/block.js';
import {SANDBOX_CONTEXT, type SandboxSiteContext} from '../context.js';
import {Sandbox} from '../Sandbox.js';
import {fill, translator} from '../messages.js';

const block: SandboxBlock = {
  id: 'abc123def456',
  env: 'node',
  cmd: 'node index.js',
  title: 'Greeting',
  files: [
    {path: 'index.js', content: "import {greet} from './greet.js';\nconsole.log(greet('<world>'));\n", hidden: false, readonly: false, lang: 'js'},
    {path: 'greet.js', content: 'export const greet = (name) => `Hello, ${name}`;\n', hidden: false, readonly: true, lang: 'js'},
    {path: 'secret.txt', content: 'hidden\n', hidden: true, readonly: false, lang: 'text'},
  ],
  options: {editable: true, interactive: false, exit: 0, skipCheck: false},
  source: 'guide.md',
  line: 3,
};

async function render(props: {block: string; display?: string; session?: string}, lang = 'en-US'): Promise<string> {
  const context: SandboxSiteContext = {serverUrl: '', recordedOnly: false, base: '/', useLang: () => ref(lang), useDark: () => ref(false)};
  const app = createSSRApp({render: () => h(Sandbox, props)});
  app.provide(SANDBOX_CONTEXT, context);
  return renderToString(app);
}

describe('Sandbox (Vue) on the server', () => {
  it('shows every visible file, escaped, and the Run button disabled until hydration', async () => {
    const html = await render({block: JSON.stringify(block)});
    assert.match(html, /data-sandbox-id="abc123def456"/);
    assert.match(html, /data-sandbox-status="idle"/);
    assert.match(html, /role="group" aria-label="Greeting"/);
    assert.match(html, /console\.log\(greet\(&#39;&lt;world&gt;&#39;\)\);/);
    assert.match(html, /export const greet/);
    assert.doesNotMatch(html, /hidden\n/);
    assert.match(html, /<button type="button" class="sandbox-button sandbox-button--run" disabled>Run<\/button>/);
    assert.match(html, /role="tab"[^>]*aria-selected="true"[^>]*>index\.js</);
    assert.match(html, /Edit<\/button>/);
    assert.doesNotMatch(html, /Reset/);
    assert.match(html, /class="sandbox-terminal-area" hidden/);
  });

  it('numbers and highlights lines as the display prop says', async () => {
    const single = {...block, title: undefined, files: [block.files[0]!]};
    const html = await render({block: JSON.stringify(single), display: JSON.stringify({files: {'index.js': {showLineNumbers: 5, highlightLines: '2'}}})});
    assert.match(html, /<div class="sandbox-title">index\.js<\/div>/);
    assert.match(html, /<span class="line"><span class="sandbox-line-number" aria-hidden="true">5<\/span>import/);
    assert.match(html, /<span class="line highlighted"><span class="sandbox-line-number" aria-hidden="true">6<\/span>console/);
  });

  it('shows the command of a terminal-only block', async () => {
    const html = await render({block: JSON.stringify({...block, files: [], cmd: 'sh', title: undefined})});
    assert.match(html, /<pre class="sandbox-command">\$ sh<\/pre>/);
    assert.match(html, /aria-label="Runnable example"/);
  });

  it("speaks the page's language", async () => {
    const html = await render({block: JSON.stringify({...block, title: undefined})}, 'fr-FR');
    const fr = translator('fr');
    assert.notEqual(fr('theme.Sandbox.button.run'), 'Run');
    assert.ok(html.includes(`>${fr('theme.Sandbox.button.run')}</button>`));
    assert.ok(html.includes(`aria-label="${fr('theme.Sandbox.block.label')}"`));
    assert.equal(translator('de')('theme.Sandbox.button.run'), 'Run');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    assert.equal(fill('Stopped after {duration}', {duration: '2 s'}), 'Stopped after 2 s');
    assert.equal(fill('Step {n}', undefined), 'Step {n}');
  });
});

describe('Sandbox (Vue) on the server, a step of a page session', () => {
  it('shows where the step stands and its shared environment, without Reset environment (no environment yet)', async () => {
    const step = {...block, session: 'ps-0123456789ab', step: 2};
    const html = await render({block: JSON.stringify(step), session: JSON.stringify({id: 'ps-0123456789ab', name: 'tour', steps: 3})});
    assert.match(html, /data-sandbox-session="ps-0123456789ab"/);
    assert.match(html, /data-sandbox-step="2" data-sandbox-steps="3">Step 2 of 3</);
    assert.match(html, /Shared environment: tour/);
    assert.doesNotMatch(html, /data-sandbox-reset-environment/);
  });

  it('runs alone without the session prop, or when the prop names another session', async () => {
    const step = {...block, session: 'ps-0123456789ab', step: 2};
    assert.doesNotMatch(await render({block: JSON.stringify(step)}), /data-sandbox-session/);
    assert.doesNotMatch(await render({block: JSON.stringify(step), session: JSON.stringify({id: 'ps-other', name: 'x', steps: 3})}), /data-sandbox-session/);
  });
});

describe('tab keys', () => {
  it('move right and left with wrap-around, and to the ends', async () => {
    const {nextTab} = await import('../Sandbox.js');
    const paths = ['a', 'b', 'c'];
    assert.equal(nextTab(paths, 0, 'ArrowRight'), 1);
    assert.equal(nextTab(paths, 2, 'ArrowRight'), 0);
    assert.equal(nextTab(paths, 0, 'ArrowLeft'), 2);
    assert.equal(nextTab(paths, 1, 'Home'), 0);
    assert.equal(nextTab(paths, 1, 'End'), 2);
    assert.equal(nextTab(paths, 1, 'Enter'), undefined);
  });
});
