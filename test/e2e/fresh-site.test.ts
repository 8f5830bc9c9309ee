/**
 * The package on a site as people run it, end to end: one fresh
 * `create-docusaurus` classic TypeScript site (rspack), set up from the packed
 * package as the README's "Add it to your site" says, with a French locale, a
 * `baseUrl` of `/sub/` and an ejected `MDXComponents` (test/e2e/fresh-site.ts
 * makes it once, in `before`; the tests then share it, in order).
 *
 * Served by the site's own `docusaurus-sandbox serve`: the English and French
 * blocks run in Chromium under /sub/; the site is rebuilt with a changed block
 * while the server runs, and the changed block runs within 10 s with no restart
 * while a page loaded before the rebuild still runs its own; `npm run
 * typecheck` passes with a component importing `@theme/Sandbox`; `check
 * --server` passes against it. Then `check --record` records the blocks, and the same build on `docusaurus serve` (a
 * static host, no backend) plays the recordings on Run.
 *
 * Needs Docker, Chromium and the npm registry (or a warm npm cache), and
 * `npm run build` first. ~4–5 minutes on a 2-core machine, most of it the
 * site's `npm install` and its two builds.
 */
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {Locator, Page, Request} from 'playwright-core';
import {MANIFEST_FILE, TRANSCRIPTS_FILE, type SandboxManifest, type TranscriptsFile} from '../../config/block.js';
import {needChromium, needDocker, needNpmRegistry} from '../helpers/requirements.js';
import {testInstanceId, waitForNoContainers} from '../helpers/server.js';
import {BASE_URL, build, createFreshSite, run, type FreshSite} from './fresh-site.js';
import {launchBrowser, screenshotPath, spawnServe, type Browser, type ServeProcess} from './harness.js';

const skip = needChromium() || needDocker() || needNpmRegistry();
const RUN_TIMEOUT = 30_000;

/** A block's parts and words, in one of the site's two languages. */
const LANGUAGES = {
  en: {path: `${BASE_URL}docs/intro`, title: 'Hello', run: 'Run', exited: /^exited with code 0 in /, output: 'Hello from Node v', recorded: /^Recorded on [A-Z][a-z]{2} \d{1,2}, \d{4}: /},
  fr: {path: `${BASE_URL}fr/docs/intro`, title: 'Bonjour', run: 'Exécuter', exited: /^terminé avec le code 0 en /, output: 'Bonjour de Node v', recorded: /^Enregistré le \d{1,2} [a-zéû]+\.? \d{4} : /},
} as const;
type Language = keyof typeof LANGUAGES;

const block = (page: Page, language: Language): Locator => page.getByRole('group', {name: LANGUAGES[language].title, exact: true});
const statusText = async (sandbox: Locator) => ((await sandbox.locator('[data-sandbox-status]').textContent()) ?? '').trim();

/** Clicks Run (enabled once the page hydrated) and waits for the status line to say how it ended. */
async function runBlock(sandbox: Locator, language: Language, ended: RegExp = LANGUAGES[language].exited): Promise<string> {
  const button = sandbox.getByRole('button', {name: LANGUAGES[language].run, exact: true});
  await button.click({timeout: RUN_TIMEOUT});
  await sandbox.locator('[data-sandbox-status]', {hasText: ended}).waitFor({timeout: RUN_TIMEOUT});
  return statusText(sandbox);
}

/** The terminal's text once it shows `text` (xterm draws its rows only while on screen). */
async function terminalShows(sandbox: Locator, text: string): Promise<string> {
  await sandbox.locator('.xterm').first().scrollIntoViewIfNeeded({timeout: RUN_TIMEOUT});
  await sandbox.locator('.xterm-rows', {hasText: text}).waitFor({timeout: RUN_TIMEOUT});
  return sandbox.locator('.xterm-rows').innerText();
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as SandboxManifest;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as {port: number};
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a fresh create-docusaurus site with a French locale, baseUrl /sub/ and an ejected MDXComponents (Chromium, Docker, npm registry)', {skip, timeout: 12 * 60_000}, () => {
  const workDir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-fresh-site-'));
  const instanceId = testInstanceId('fresh-site');
  let site: FreshSite;
  let browser: Browser;
  let serve: ServeProcess | undefined;
  let staticHost: ChildProcess | undefined;

  before(async () => {
    site = await createFreshSite(workDir);
    browser = await launchBrowser();
  }, {timeout: 9 * 60_000});

  after(async () => {
    await browser?.[Symbol.asyncDispose]();
    await serve?.stop();
    if (staticHost && staticHost.exitCode === null && staticHost.signalCode === null) {
      const exited = new Promise((resolve) => staticHost!.once('exit', resolve));
      staticHost.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    await waitForNoContainers(instanceId);
    rmSync(workDir, {recursive: true, force: true});
  });

  const siteBuild = () => join(site.dir, 'build');

  it('builds one manifest per locale, each with its block, under the baseUrl', () => {
    for (const [dir, text] of [[siteBuild(), 'Hello from Node'], [join(siteBuild(), 'fr'), 'Bonjour de Node']] as const) {
      const manifest = readManifest(dir);
      assert.equal(manifest.baseUrl, dir === siteBuild() ? BASE_URL : `${BASE_URL}fr/`, `${dir}: its baseUrl`);
      assert.equal(manifest.blocks.length, 1, `${dir}: one block`);
      assert.equal(manifest.blocks[0]!.env, 'node');
      assert.ok(manifest.blocks[0]!.files.some((file) => file.content.includes(text)), `${dir}: the block says ${text}`);
    }
  });

  it('runs the English and the French block in Chromium under /sub/, on `docusaurus-sandbox serve`', async () => {
    serve = await spawnServe(site.cli, ['serve', 'build', '--port', '0'], {cwd: site.dir, instanceId});
    const sessionRequests: string[] = [];
    const onRequest = (request: Request) => {
      if (request.method() === 'POST' && request.url().includes('/api/sessions')) sessionRequests.push(new URL(request.url()).pathname);
    };
    browser.context.on('request', onRequest);
    for (const language of ['en', 'fr'] as const) {
      const page = await browser.newPage();
      const response = await page.goto(`${serve.url}${LANGUAGES[language].path}`);
      assert.equal(response?.status(), 200, `${LANGUAGES[language].path} is served`);
      const sandbox = block(page, language);
      const status = await runBlock(sandbox, language);
      const output = await terminalShows(sandbox, LANGUAGES[language].output);
      assert.ok(output.includes(LANGUAGES[language].output), output);
      assert.match(status, LANGUAGES[language].exited);
      await sandbox.screenshot({path: screenshotPath(`fresh-site-${language}`)});
      await page.close();
    }
    browser.context.off('request', onRequest);
    assert.deepEqual(sessionRequests, [`${BASE_URL}api/sessions`, `${BASE_URL}fr/api/sessions`], 'each page asks the API under its own baseUrl');
    // And `check` against that server, under its path, as the deployment page shows.
    const report = await run(site.cli, ['check', 'build', '--server', `${serve.url}${BASE_URL}`], site.dir, 120_000);
    assert.match(report, /1 passed, 0 failed/, report);
  });

  it('runs a changed block within 10 s of a rebuild, with no restart, while a page loaded before it still runs its block', async (t) => {
    assert.ok(serve, 'the server of the test before is running');
    const before = await browser.newPage();
    await before.goto(`${serve.url}${LANGUAGES.en.path}`);
    // Hydrated: Run is enabled only then.
    await block(before, 'en').getByRole('button', {name: 'Run', exact: true}).waitFor({state: 'visible'});
    await before.waitForFunction(() => document.querySelector('[data-sandbox-id] button:not([disabled])') !== null);

    const intro = join(site.dir, 'docs', 'intro.mdx');
    writeFileSync(intro, readFileSync(intro, 'utf8').replace("'Hello from Node'", "'Hello again from Node'"));
    await build(site.dir);
    const rebuilt = Date.now();
    assert.ok(readManifest(siteBuild()).blocks[0]!.files.some((file) => file.content.includes('Hello again from Node')), 'the new build has the changed block');

    const after = await browser.newPage();
    let attempts = 0;
    for (;;) {
      attempts += 1;
      await after.goto(`${serve.url}${LANGUAGES.en.path}`);
      const sandbox = block(after, 'en');
      const status = await runBlock(sandbox, 'en', /exited with code|does not know this example|being rebuilt/);
      if (/exited with code 0/.test(status)) {
        const output = await terminalShows(sandbox, 'Hello again from Node v');
        assert.ok(output.includes('Hello again from Node v'), output);
        break;
      }
      assert.ok(Date.now() - rebuilt < 10_000, `the changed block still fails 10 s after the build (${attempts} attempts): ${status}\n${serve.log().slice(-3000)}`);
      await after.waitForTimeout(500);
    }
    const took = Date.now() - rebuilt;
    assert.ok(took < 10_000, `the changed block ran ${took} ms after the build`);
    t.diagnostic(`the changed block ran ${took} ms after the build ended (${attempts} page load${attempts === 1 ? '' : 's'})`);
    await block(after, 'en').screenshot({path: screenshotPath('fresh-site-rebuilt')});
    assert.match(serve.log(), /site manifests reloaded/);

    const old = block(before, 'en');
    await runBlock(old, 'en');
    const output = await terminalShows(old, 'Hello from Node v');
    assert.doesNotMatch(output, /Hello again/);
    await old.screenshot({path: screenshotPath('fresh-site-before-rebuild')});
    await before.close();
    await after.close();
  });

  it('passes `npm run typecheck` with a component that imports @theme/Sandbox and its props', async () => {
    const component = readFileSync(join(site.dir, 'src', 'components', 'FramedSandbox.tsx'), 'utf8');
    assert.match(component, /from '@theme\/Sandbox'/);
    await run('npm', ['run', 'typecheck'], site.dir, 180_000);
  });

  it('plays the recordings of `check --record` on Run, for both languages, on `docusaurus serve` (no backend)', async () => {
    // The static host stands alone: no sandbox server anywhere.
    await serve?.stop();
    serve = undefined;
    assert.equal(await waitForNoContainers(instanceId), 0, 'serve removed its containers when it stopped');
    const checkInstance = testInstanceId('fresh-site-check');
    for (const dir of ['build', join('build', 'fr')]) {
      const report = await run(site.cli, ['check', dir, '--record', '--jobs', '1'], site.dir, 180_000, {SANDBOX_INSTANCE_ID: checkInstance});
      assert.match(report, /1 passed, 0 failed/, report);
      const transcripts = JSON.parse(readFileSync(join(site.dir, dir, TRANSCRIPTS_FILE), 'utf8')) as TranscriptsFile;
      assert.equal(Object.keys(transcripts.transcripts).length, 1, `${dir}: one recording`);
    }
    assert.equal(await waitForNoContainers(checkInstance), 0, 'check removed its containers');

    const port = await freePort();
    // `npm run serve` is `docusaurus serve`; run it directly, so stopping it stops the server and not only npm.
    staticHost = spawn(join(site.dir, 'node_modules', '.bin', 'docusaurus'), ['serve', '--port', String(port), '--host', '127.0.0.1', '--no-open'], {cwd: site.dir, stdio: 'ignore'});
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (!(await fetch(`${base}${BASE_URL}`).then((response) => response.ok, () => false))) {
      assert.ok(Date.now() < deadline, 'docusaurus serve answers within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const api = await fetch(`${base}${BASE_URL}api/sessions`, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'});
    assert.ok([404, 405].includes(api.status), `a static host has no sandbox API (answered ${api.status})`);

    for (const [language, text] of [['en', 'Hello again from Node v'], ['fr', 'Bonjour de Node v']] as const) {
      const page = await browser.newPage();
      await page.goto(`${base}${LANGUAGES[language].path}`);
      const sandbox = block(page, language);
      await sandbox.getByRole('button', {name: LANGUAGES[language].run, exact: true}).click({timeout: RUN_TIMEOUT});
      await sandbox.locator('[data-sandbox-recorded]').waitFor({timeout: RUN_TIMEOUT});
      const output = await terminalShows(sandbox, text);
      assert.ok(output.includes(text), output);
      // The recording's date in the page's language, whatever the browser's.
      assert.match(await statusText(sandbox), LANGUAGES[language].recorded);
      await sandbox.screenshot({path: screenshotPath(`fresh-site-recorded-${language}`)});
      await page.close();
    }
    assert.ok(existsSync(join(siteBuild(), TRANSCRIPTS_FILE)));
  });
});
