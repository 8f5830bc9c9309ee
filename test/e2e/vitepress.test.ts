/**
 * The VitePress demo (site-vitepress/, built with `vitepress build`) served by
 * the real `docusaurus-sandbox serve` CLI (real Docker), read in Chromium: the
 * code is in the static HTML, the page hydrates without a mismatch, Run runs,
 * the reader types into the terminal and runs an edit, the terminal follows
 * VitePress's dark mode, a page session's step catches up in its shared
 * environment, the fr locale speaks French, and with the backend
 * stopped a recorded block plays its recording.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {TRANSCRIPTS_FILE, type SandboxManifest, type TranscriptsFile} from '../../config/block.js';
import {fr} from '../../client/translations/fr.js';
import {needChromium, needDocker} from '../helpers/requirements.js';
import {ensureVitePressBuild, htmlText, launchBrowser, ROOT, screenshotPath, startServe, staticSiteWithoutBackend, type Browser, type ServeProcess} from './harness.js';

const RUN_TIMEOUT = 60_000;
const block = (page: Page, title: string): Locator => page.getByRole('group', {name: title, exact: true});

async function waitForStatus(sandbox: Locator, text: RegExp, timeout = RUN_TIMEOUT): Promise<string> {
  await sandbox.locator('[data-sandbox-status]', {hasText: text}).waitFor({timeout});
  return (await sandbox.locator('[data-sandbox-status]').textContent()) ?? '';
}

/** xterm draws its rows only while the terminal is on screen: bring it into view first. */
async function waitForOutput(sandbox: Locator, text: string | RegExp, timeout = RUN_TIMEOUT): Promise<void> {
  await sandbox.locator('.xterm').first().scrollIntoViewIfNeeded({timeout});
  await sandbox.locator('.xterm-rows', {hasText: text}).waitFor({timeout});
}

/**
 * Vue logs a hydration mismatch ("Hydration completed but contains
 * mismatches") as a console error, in production builds too; with it, page
 * errors and failed requests of the page (the browser's own favicon request,
 * which the demo has no file for, is not one of the page's).
 */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/hydration|mismatch/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}

describe('the VitePress demo in Chromium', {skip: needDocker() || needChromium()}, () => {
  let build: string;
  let serve: ServeProcess;
  let browser: Browser;
  let base: string;

  before(async () => {
    build = ensureVitePressBuild();
    serve = await startServe(build, join(ROOT, 'site', 'sandbox.config.json'));
    base = serve.url;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.[Symbol.asyncDispose]();
    await serve?.stop();
  });

  it('shows the code in the HTML, before any JavaScript, with Run disabled until hydration', async () => {
    const html = await (await fetch(`${base}/tutorials/shell-tour.html`)).text();
    const text = htmlText(html);
    assert.match(html, /data-sandbox-id="[0-9a-f]{12}"/);
    assert.match(text, /sort -u fruits\.txt/);
    assert.match(html, /<button type="button" class="sandbox-button sandbox-button--run" disabled>Run<\/button>/);
  });

  it('hydrates without a mismatch and runs a block', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${base}/tutorials/shell-tour.html`);
    const sandbox = block(page, 'whoami.sh');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    await waitForOutput(sandbox, 'workspace');
    assert.equal(await sandbox.getAttribute('data-sandbox-state'), 'exited');
    assert.equal(await sandbox.getByRole('button', {name: 'Run again'}).isVisible(), true);
    await sandbox.screenshot({path: screenshotPath('vitepress-run')});
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('takes what the reader types in an interactive terminal; Stop ends it', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/tutorials/shell-tour.html`);
    const sandbox = block(page, 'Runnable example');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /^Running$/);
    await sandbox.locator('.xterm').first().scrollIntoViewIfNeeded();
    await sandbox.locator('.xterm').click();
    await page.keyboard.type('echo typed-$((6*7))\n');
    await waitForOutput(sandbox, 'typed-42');
    await sandbox.getByRole('button', {name: 'Stop'}).click();
    await waitForStatus(sandbox, /Stopped after/, 15_000);
    await page.close();
  });

  it('runs what the reader edited; Reset restores the authored code', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/tutorials/node-two-files.html`);
    const sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('tab', {name: 'main.js'}).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await sandbox.getByRole('tab', {name: 'greet.js'}).getAttribute('aria-selected'), 'true', 'the arrow keys move between the tabs');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'greet.js');
    await sandbox.getByRole('button', {name: 'Edit'}).click();
    await sandbox.getByRole('tab', {name: 'greet.js'}).click();
    const editor = sandbox.locator('[data-sandbox-editor="greet.js"] .cm-content');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('export function greet(name) {\n  return `Bonjour, ${name}!`;\n}\n\nexport function shout(text) {\n  return text.toUpperCase() + "!";\n}\n');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    await waitForOutput(sandbox, 'Bonjour, Ada!');
    await sandbox.getByRole('button', {name: 'Reset'}).click();
    await sandbox.locator('[data-sandbox-editor="greet.js"]', {hasText: 'Hello, ${name}!'}).waitFor();
    assert.equal(await sandbox.getByRole('button', {name: 'Reset'}).count(), 0);
    await page.close();
  });

  it("follows VitePress's dark mode (html.dark) in the terminal and the block", async () => {
    const page = await browser.newPage();
    await page.emulateMedia({colorScheme: 'light'});
    // VitePress shows its appearance switch in the nav bar from 1280 px on.
    await page.setViewportSize({width: 1400, height: 900});
    await page.goto(`${base}/tutorials/node-two-files.html`);
    const sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    const viewport = sandbox.locator('.xterm-viewport');
    const background = () => viewport.evaluate((element) => getComputedStyle(element).backgroundColor);
    const area = () => sandbox.locator('[data-sandbox-terminal]').evaluate((element) => getComputedStyle(element).backgroundColor);
    const light = {terminal: await background(), area: await area()};
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), false);
    await page.locator('.VPNavBarAppearance .VPSwitchAppearance').click();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
    await page.waitForFunction((before) => {
      const element = document.querySelector('.xterm-viewport');
      return element !== null && getComputedStyle(element).backgroundColor !== before;
    }, light.terminal);
    assert.notEqual(await area(), light.area);
    await sandbox.screenshot({path: screenshotPath('vitepress-dark')});
    await page.close();
  });

  it('runs a step of a page session in its shared environment: the offer to catch up, then steps 1–2 first', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/tutorials/three-steps.html`);
    const last = block(page, 'Read it all back');
    assert.equal(await last.locator('[data-sandbox-step]').textContent(), 'Step 3 of 3');
    await last.getByRole('button', {name: 'Run'}).click();
    const offer = last.locator('[data-sandbox-offer]');
    await offer.waitFor();
    assert.equal(await offer.getAttribute('data-sandbox-offer'), '1–2');
    await last.locator('button[data-sandbox-catch-up]').click();
    await waitForStatus(last, /exited with code 0/);
    await waitForOutput(last, 'var=carried');
    assert.match(await last.locator('.xterm-rows').innerText(), /state from step 1[\s\S]*sleep is alive[\s\S]*var=carried/);
    assert.equal(await last.locator('[data-sandbox-catch-up-note]').getAttribute('data-sandbox-catch-up-note'), 'ok');
    await last.screenshot({path: screenshotPath('vitepress-steps')});
    await last.locator('[data-sandbox-reset-environment]').click();
    await last.locator('[data-sandbox-reset-environment]').waitFor({state: 'detached', timeout: 15_000});
    await page.close();
  });

  it('speaks French on the fr locale', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/fr/`);
    const sandbox = block(page, 'Bonjour');
    await sandbox.getByRole('button', {name: fr['theme.Sandbox.button.run']!, exact: true}).click();
    await waitForOutput(sandbox, 'bonjour');
    await sandbox.getByRole('button', {name: fr['theme.Sandbox.button.runAgain']!, exact: true}).waitFor();
    await page.close();
  });

  it("runs under the site's base (VitePress `base`, the manifest's baseUrl)", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-vitepress-base-'));
    try {
      const built = spawnSync('npx', ['vitepress', 'build', '--base', '/docs/', '--outDir', outDir], {cwd: join(ROOT, 'site-vitepress'), encoding: 'utf8', timeout: 300_000});
      assert.equal(built.status, 0, `vitepress build --base failed:\n${built.stdout}\n${built.stderr}`);
      assert.equal((JSON.parse(readFileSync(join(outDir, 'sandbox-manifest.json'), 'utf8')) as SandboxManifest).baseUrl, '/docs/');
      await using based = await startServe(outDir, join(ROOT, 'site', 'sandbox.config.json'), 'e2e-base');
      const page = await browser.newPage();
      await page.goto(`${based.url}/docs/tutorials/shell-tour.html`);
      const sandbox = block(page, 'whoami.sh');
      await sandbox.getByRole('button', {name: 'Run'}).click();
      await waitForStatus(sandbox, /exited with code 0/);
      await waitForOutput(sandbox, 'workspace');
      await page.close();
    } finally {
      rmSync(outDir, {recursive: true, force: true});
    }
  });

  it('plays the recording, labelled as one, when the backend is stopped', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sandbox-e2e-vitepress-'));
    try {
      cpSync(build, root, {recursive: true});
      const manifest = JSON.parse(readFileSync(join(root, 'sandbox-manifest.json'), 'utf8')) as SandboxManifest;
      const greeting = manifest.blocks.find((item) => item.title === 'Greeting module');
      assert.ok(greeting, 'the demo has the Node greeting block');
      const file: TranscriptsFile = {
        version: 1,
        transcripts: {[greeting.id]: {recordedAt: '2026-11-20T10:00:00.000Z', exitCode: 0, chunks: [[0, 'Hello, Ada!\r\n'], [300, 'Hello, Grace!\r\n']]}},
      };
      writeFileSync(join(root, TRANSCRIPTS_FILE), JSON.stringify(file));
      const site = await staticSiteWithoutBackend(root);
      try {
        const page = await browser.newPage();
        await page.goto(`${site.url}/tutorials/node-two-files.html`);
        const recorded = block(page, 'Greeting module');
        await recorded.getByRole('button', {name: 'Run'}).click();
        await recorded.locator('[data-sandbox-recorded]').waitFor({timeout: 15_000});
        await waitForOutput(recorded, 'Hello, Grace!', 15_000);
        assert.match((await recorded.locator('[data-sandbox-status]').textContent()) ?? '', /^Recorded on Nov 20, 2026.*could not be reached/);
        await recorded.screenshot({path: screenshotPath('vitepress-recorded')});

        const other = block(page, 'Async file access');
        await other.getByRole('button', {name: 'Run'}).click();
        await other.locator('[data-sandbox-status]', {hasText: /Could not reach the sandbox server/}).waitFor({timeout: 15_000});
        await page.close();
      } finally {
        await new Promise<void>((resolve) => site.server.close(() => resolve()));
      }
    } finally {
      rmSync(root, {recursive: true, force: true});
    }
  });
});
