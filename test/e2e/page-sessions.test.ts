/**
 * Page sessions (multi-step tutorials) in a real browser: the demo site served
 * by `docusaurus-sandbox serve`, real containers, Debian's Chromium. The steps
 * of a page run one after another in one environment; Run on a later step of
 * a fresh page offers to catch up; Reset environment starts afresh; a reload
 * keeps the environment.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {needChromium, needDocker} from '../helpers/requirements.js';
import {ensureSiteBuild, launchBrowser, ROOT, screenshotPath, startServe, type Browser, type ServeProcess} from './harness.js';

const skip = needChromium() || needDocker();
const RUN_TIMEOUT = 30_000;
const THREE_STEPS = '/docs/tutorials/three-steps/';
const SERVER_STEPS = '/docs/tutorials/multi-step-server/';

const block = (page: Page, title: string): Locator => page.getByRole('group', {name: title, exact: true});
const terminalOf = (sandbox: Locator) => sandbox.locator('.xterm-rows');
const runButton = (sandbox: Locator) => sandbox.getByRole('button', {name: /^Run( again)?$/});

async function waitForStatus(sandbox: Locator, text: RegExp, timeout = RUN_TIMEOUT): Promise<string> {
  await sandbox.locator('[data-sandbox-status]', {hasText: text}).waitFor({timeout});
  return (await sandbox.locator('[data-sandbox-status]').textContent()) ?? '';
}

async function waitForOutput(sandbox: Locator, text: string | RegExp, timeout = RUN_TIMEOUT): Promise<string> {
  // xterm draws its rows only while the terminal is on screen: bring it into view first.
  await sandbox.locator('.xterm').first().scrollIntoViewIfNeeded({timeout});
  await sandbox.locator('.xterm-rows', {hasText: text}).waitFor({timeout});
  return terminalOf(sandbox).innerText();
}

/** Runs a step with Run and waits for it to end with code 0 and print `expect`. */
async function runStep(sandbox: Locator, expect: string | RegExp): Promise<string> {
  await runButton(sandbox).click();
  await waitForStatus(sandbox, /exited with code 0/);
  return waitForOutput(sandbox, expect);
}

/** The step bar of a block: "Step N of M" and the environment badge. */
async function assertStepBar(sandbox: Locator, step: number, steps: number): Promise<void> {
  const label = sandbox.locator(`[data-sandbox-step="${step}"][data-sandbox-steps="${steps}"]`);
  assert.equal(await label.textContent(), `Step ${step} of ${steps}`);
  assert.equal(await sandbox.locator('[data-sandbox-environment-badge]').isVisible(), true);
}

/** The ids of the environments the page keeps in its session storage. */
const storedEnvironments = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Object.keys(sessionStorage)
      .filter((key) => key.startsWith('docusaurus-sandbox:environment:'))
      .map((key) => (JSON.parse(sessionStorage.getItem(key) ?? '{}') as {id?: string}).id ?? ''),
  );

/** Reset environment on a step, so the reader's slot is free for the next test at once (not after the leave grace). */
async function resetOn(sandbox: Locator): Promise<void> {
  const reset = sandbox.locator('button[data-sandbox-reset-environment]');
  if ((await reset.count()) > 0) await reset.click();
}

describe('page sessions (multi-step tutorials)', {skip}, () => {
  let serve: ServeProcess;
  let browser: Browser;
  let base: string;

  before(async () => {
    serve = await startServe(ensureSiteBuild());
    base = serve.url;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.[Symbol.asyncDispose]();
    await serve?.stop();
  });

  it('runs the three steps in order in one environment: each finds what the earlier ones left', async () => {
    const page = await browser.newPage();
    await page.emulateMedia({colorScheme: 'light'});
    await page.goto(`${base}${THREE_STEPS}`);
    const steps = ['Write state', 'Start a background process', 'Read it all back'].map((title) => block(page, title));
    for (const [index, sandbox] of steps.entries()) await assertStepBar(sandbox, index + 1, 3);
    assert.equal(await page.locator('[data-sandbox-session]').count(), 3);
    // No environment yet: no Reset.
    assert.equal(await page.locator('button[data-sandbox-reset-environment]').count(), 0);

    assert.match(await runStep(steps[0]!, 'state from step 1'), /state from step 1/);
    await steps[0]!.locator('button[data-sandbox-reset-environment]').waitFor();
    assert.match(await runStep(steps[1]!, 'exported STEP_TWO_VAR'), /started sleep as process \d+; exported STEP_TWO_VAR/);
    const output = await runStep(steps[2]!, 'var=carried');
    assert.match(output, /state from step 1[\s\S]*sleep is alive[\s\S]*var=carried/);
    // Every step of the run followed the one before: no offer, no catch-up.
    assert.equal(await page.locator('[data-sandbox-offer]').count(), 0);
    assert.equal(await page.locator('[data-sandbox-catch-up-note]').count(), 0);
    await steps[2]!.screenshot({path: screenshotPath('steps-light')});
    await resetOn(steps[2]!);
    await page.close();
  });

  it('Run on the last step of a fresh page offers to catch up; accepting runs steps 1–2 first', async () => {
    const page = await browser.newPage();
    await page.emulateMedia({colorScheme: 'dark'});
    await page.goto(`${base}${THREE_STEPS}`);
    const last = block(page, 'Read it all back');
    await runButton(last).click();
    const offer = last.locator('[data-sandbox-offer]');
    await offer.waitFor();
    assert.equal(await offer.getAttribute('data-sandbox-offer'), '1–2');
    assert.equal(await last.locator('button[data-sandbox-catch-up]').textContent(), 'Run steps 1–2 first');
    assert.equal(await last.locator('button[data-sandbox-run-only]').textContent(), 'Run only this step');
    assert.equal(await last.locator('.xterm').count(), 0, 'the offer runs nothing yet');
    await last.screenshot({path: screenshotPath('steps-offer-dark')});

    await last.locator('button[data-sandbox-catch-up]').click();
    await waitForStatus(last, /exited with code 0/);
    const output = await waitForOutput(last, 'var=carried');
    assert.match(output, /state from step 1[\s\S]*sleep is alive[\s\S]*var=carried/);
    const note = last.locator('[data-sandbox-catch-up-note]');
    await note.waitFor();
    assert.equal(await note.getAttribute('data-sandbox-catch-up-note'), 'ok');
    assert.equal(await offer.count(), 0, 'the offer is gone');
    await last.screenshot({path: screenshotPath('steps-caught-up-dark')});
    await resetOn(last);
    await page.close();
  });

  it('Reset environment starts afresh: step 3 alone then finds neither the file nor the variable', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}${THREE_STEPS}`);
    const first = block(page, 'Write state');
    const second = block(page, 'Start a background process');
    const last = block(page, 'Read it all back');
    await runStep(first, 'state from step 1');
    await runStep(second, 'exported STEP_TWO_VAR');

    await first.locator('button[data-sandbox-reset-environment]').click();
    // Every step block of the page returns to idle and Reset goes with the environment.
    await page.locator('button[data-sandbox-reset-environment]').first().waitFor({state: 'detached'});
    assert.equal(await page.locator('button[data-sandbox-reset-environment]').count(), 0);

    await runButton(last).click();
    await last.locator('[data-sandbox-offer]').waitFor();
    await last.locator('button[data-sandbox-run-only]').click();
    await waitForStatus(last, /exited with code/);
    const output = await waitForOutput(last, 'var=');
    assert.match(output, /var=\s*$/m, 'the variable is not set');
    assert.doesNotMatch(output, /state from step 1/);
    assert.doesNotMatch(output, /sleep is alive/);
    await resetOn(last);
    await page.close();
  });

  it('on a phone the step bar and the offer wrap inside the block', async () => {
    await using phone = await launchBrowser({touch: true});
    const page = await phone.newPage();
    await page.setViewportSize({width: 390, height: 844});
    await page.goto(`${base}${THREE_STEPS}`);
    const last = block(page, 'Read it all back');
    await runButton(last).tap();
    await last.locator('[data-sandbox-offer]').waitFor();
    const box = await last.boundingBox();
    assert.ok(box);
    for (const part of ['[data-sandbox-session]', '[data-sandbox-offer]', 'button[data-sandbox-catch-up]', 'button[data-sandbox-run-only]']) {
      const inner = await last.locator(part).boundingBox();
      assert.ok(inner, part);
      assert.ok(inner.x >= box.x - 1 && inner.x + inner.width <= box.x + box.width + 1, `${part} stays inside the block`);
    }
    await last.screenshot({path: screenshotPath('steps-phone')});

    // With an environment the step bar gains Reset environment, which wraps under the label and badge.
    await last.locator('button[data-sandbox-catch-up]').tap();
    await waitForOutput(last, 'var=carried');
    const reset = await last.locator('button[data-sandbox-reset-environment]').boundingBox();
    assert.ok(reset && reset.x + reset.width <= box.x + box.width + 1, 'Reset environment stays inside the block');
    await last.screenshot({path: screenshotPath('steps-phone-caught-up')});
    await resetOn(last);
    await page.close();
  });

  it('the server tutorial: step 4 asks the server step 3 started; a reload keeps the environment', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}${SERVER_STEPS}`);
    const titles = ['Write the server', 'Build the data', 'Start the server', 'Ask the server'];
    const expects = ['server.js is ready', 'built data.json with 4 planets', 'server started', 'Mars: 2 moons'];
    for (const [index, title] of titles.entries()) {
      const sandbox = block(page, title);
      await assertStepBar(sandbox, index + 1, 5);
      await runStep(sandbox, expects[index]!);
    }
    const before = await storedEnvironments(page);
    assert.equal(before.length, 1);

    await page.reload();
    const start = block(page, 'Start the server');
    await start.locator('button[data-sandbox-reset-environment]').waitFor();
    // The environment came back from session storage and the server's GET: steps 1–4 ran there, so no offer.
    await runButton(start).click();
    await waitForStatus(start, /exited with code/);
    assert.equal(await start.locator('[data-sandbox-offer]').count(), 0);
    // The first server still answers on its port: the same environment, not a fresh one.
    const ask = block(page, 'Ask the server');
    await runStep(ask, 'Mars: 2 moons');
    assert.equal(await ask.locator('[data-sandbox-offer]').count(), 0);
    assert.deepEqual(await storedEnvironments(page), before, 'the same environment');
    await resetOn(ask);
    await page.close();
  });
});

describe('page sessions whose environment could expire while the reader reads', {skip}, () => {
  const IDLE_MS = 3000;
  const GRACE_MS = 2000;

  /** The demo site's configuration, changed by `change`, in a temporary file. */
  function siteConfig(change: (site: {environments: Record<string, object>; server?: object}) => object): {dir: string; configFile: string} {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-config-'));
    const site = JSON.parse(readFileSync(join(ROOT, 'site', 'sandbox.config.json'), 'utf8')) as {environments: Record<string, object>; server?: object};
    const configFile = join(dir, 'sandbox.config.json');
    writeFileSync(configFile, JSON.stringify(change(site)));
    return {dir, configFile};
  }
  /** Environments of the shell end after IDLE_MS with no step running. */
  const shortIdle = () =>
    siteConfig((site) => ({...site, environments: {...site.environments, shell: {...site.environments.shell, limits: {idleTimeout: `${IDLE_MS / 1000}s`}}}}));

  it('Run on a later step offers to catch up instead of running alone in a fresh environment', async () => {
    const {dir, configFile} = shortIdle();
    try {
      await using serve = await startServe(ensureSiteBuild(), configFile);
      await using browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${serve.url}${THREE_STEPS}`);
      await runStep(block(page, 'Write state'), 'state from step 1');
      const second = block(page, 'Start a background process');
      await runStep(second, 'exported STEP_TWO_VAR');
      // The page still holds the environment; the server has ended it meanwhile.
      await page.waitForTimeout(IDLE_MS + 2000);
      const last = block(page, 'Read it all back');
      await runButton(last).click();
      const offer = last.locator('[data-sandbox-offer]');
      await offer.waitFor({timeout: RUN_TIMEOUT});
      assert.equal(await offer.getAttribute('data-sandbox-offer'), '1–2');
      assert.equal(await last.locator('[data-sandbox-status]').textContent(), '', 'no error: the offer says it all');
      await last.locator('button[data-sandbox-catch-up]').click();
      const output = await waitForOutput(last, 'var=carried');
      assert.match(output, /state from step 1[\s\S]*sleep is alive[\s\S]*var=carried/);
      await resetOn(last);
      await page.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('a reload tells the server the page is back: the environment outlives the reconnect grace', async () => {
    const {dir, configFile} = siteConfig((site) => ({...site, server: {...site.server, reconnectGrace: `${GRACE_MS / 1000}s`}}));
    try {
      await using serve = await startServe(ensureSiteBuild(), configFile);
      await using browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${serve.url}${THREE_STEPS}`);
      await runStep(block(page, 'Write state'), 'state from step 1');
      const before = await storedEnvironments(page);
      assert.equal(before.length, 1);
      // The reload sends leave as the page goes; the page that comes back asks for the environment (GET) and then reads.
      await page.reload();
      await block(page, 'Write state').locator('button[data-sandbox-reset-environment]').waitFor();
      await page.waitForTimeout(GRACE_MS + 2000);
      const second = block(page, 'Start a background process');
      await runButton(second).click();
      await waitForStatus(second, /exited with code 0/);
      assert.equal(await second.locator('[data-sandbox-offer]').count(), 0, 'the environment step 1 ran in is still there');
      await waitForOutput(second, 'exported STEP_TWO_VAR');
      assert.deepEqual(await storedEnvironments(page), before, 'the same environment');
      await resetOn(second);
      await page.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
