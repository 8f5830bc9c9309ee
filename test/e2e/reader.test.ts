/**
 * The reader's experience in a real browser: the demo site served by
 * `docusaurus-sandbox serve`, real containers, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {needChromium, needDocker} from '../helpers/requirements.js';
import {ensureSiteBuild, htmlText, ROOT, launchBrowser, screenshotPath, startServe, type Browser, type ServeProcess} from './harness.js';

const skip = needChromium() || needDocker();
const RUN_TIMEOUT = 30_000;

const block = (page: Page, title: string): Locator => page.getByRole('group', {name: title, exact: true});
const statusOf = (sandbox: Locator) => sandbox.locator('[data-sandbox-status]');
const terminalOf = (sandbox: Locator) => sandbox.locator('.xterm-rows');

async function waitForStatus(sandbox: Locator, text: RegExp, timeout = RUN_TIMEOUT): Promise<string> {
  await sandbox.locator('[data-sandbox-status]', {hasText: text}).waitFor({timeout});
  return (await statusOf(sandbox).textContent()) ?? '';
}

async function waitForOutput(sandbox: Locator, text: string | RegExp, timeout = RUN_TIMEOUT): Promise<void> {
  // xterm draws its rows only while the terminal is on screen; the click on Run
  // scrolls the button into view, which can leave the terminal below it out of
  // sight. Bring it into view, as a reader's eye would follow it.
  await sandbox.locator('.xterm').first().scrollIntoViewIfNeeded({timeout});
  await sandbox.locator('.xterm-rows', {hasText: text}).waitFor({timeout});
}

/** How many of the terminal's rows the page shows: the box's height over one row's (the screen holds them all). */
const shownRows = (sandbox: Locator): Promise<number> =>
  sandbox.locator('[data-sandbox-terminal]').evaluate((element) => {
    const screen = element.querySelector('.xterm-screen')!;
    const rows = screen.querySelector('.xterm-rows')!.children.length;
    const style = getComputedStyle(element);
    const inner = element.getBoundingClientRect().height - Number.parseFloat(style.paddingTop) - Number.parseFloat(style.paddingBottom);
    return Math.round(inner / (screen.getBoundingClientRect().height / rows));
  });

const chunkRequests = (urls: string[], name: string) => urls.filter((url) => new RegExp(`/${name}\\.[0-9a-f]+\\.js$`).test(url));

describe('reader experience', {skip}, () => {
  let serve: ServeProcess;
  let browser: Browser;
  let base: string;

  before(async () => {
    const build = ensureSiteBuild();
    serve = await startServe(build);
    base = serve.url;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.[Symbol.asyncDispose]();
    await serve?.stop();
  });

  it('server-renders the code and a Run button', async () => {
    const response = await fetch(`${base}/docs/tutorials/node-two-files/`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const text = htmlText(html);
    assert.match(text, /export function greet\(name\) \{/);
    assert.match(text, /const names = \['Ada', 'Grace', 'Linus'\];/);
    assert.match(html, /data-sandbox-id="[^"]+"/);
    assert.match(text, /Run/);
    assert.doesNotMatch(html, /class="xterm/, 'no terminal in the static page');
  });

  it('numbers and highlights the lines the fence asks for (showLineNumbers {1,4-6}), in the static page', async () => {
    const html = await (await fetch(`${base}/docs/tutorials/node-two-files/`)).text();
    // main.js has 8 lines; its fence numbers them and highlights 4; no other file of the page asks for either.
    assert.equal([...html.matchAll(/class="codeLineNumber[\w-]*"/g)].length, 8, 'line numbers of main.js');
    assert.equal([...html.matchAll(/theme-code-block-highlighted-line/g)].length, 4, 'lines 1 and 4 to 6 of main.js');
  });

  it('loads no terminal or editor chunk before the reader interacts, each on its first use', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${base}/docs/tutorials/node-two-files/`, {waitUntil: 'networkidle'});
    const sandbox = block(page, 'Greeting module');
    await sandbox.scrollIntoViewIfNeeded();
    await sandbox.hover();
    await page.waitForTimeout(300);
    assert.ok(requested.some((url) => url.endsWith('.js')), 'the page loaded its scripts');
    assert.deepEqual(chunkRequests(requested, 'sandbox-xterm'), [], 'no xterm chunk before Run');
    assert.deepEqual(chunkRequests(requested, 'sandbox-editor'), [], 'no editor chunk before Edit');

    await sandbox.getByRole('button', {name: 'Edit'}).click();
    await sandbox.locator('.cm-editor').first().waitFor();
    assert.equal(chunkRequests(requested, 'sandbox-editor').length, 1, 'editor chunk on first Edit');
    assert.deepEqual(chunkRequests(requested, 'sandbox-xterm'), [], 'still no xterm chunk');

    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    assert.equal(chunkRequests(requested, 'sandbox-xterm').length, 1, 'xterm chunk on first Run');
    await page.close();
  });

  it('runs the two-file Node example: output and "exited with code 0"', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/tutorials/node-two-files/`);
    const sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    const status = await waitForStatus(sandbox, /exited with code/);
    assert.match(status, /^exited with code 0 in [\d.]+ (ms|s)$/);
    const output = await terminalOf(sandbox).innerText();
    for (const line of ['Hello, Ada!', 'Hello, Grace!', 'Hello, Linus!', 'THAT WAS EASY!']) assert.ok(output.includes(line), line);
    // Five lines of output: the box shows the rows used (and the cursor's), not all 24.
    const rows = await shownRows(sandbox);
    assert.ok(rows >= 4 && rows <= 8, `shows ${rows} rows`);
    assert.equal(await sandbox.getByRole('button', {name: 'Run again'}).isVisible(), true);
    await sandbox.screenshot({path: screenshotPath('node-example')});
    await page.close();
  });

  it('lets the reader answer a Python program that asks for input', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/tutorials/python-input/`);
    const sandbox = block(page, 'Guess my number');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForOutput(sandbox, 'What is your name?');
    // Run focuses the terminal: the reader types straight away.
    await page.keyboard.type('Ada');
    await page.keyboard.press('Enter');
    await waitForOutput(sandbox, 'Nice to meet you, Ada!');
    await waitForOutput(sandbox, 'Guess my number (1-10):');
    await page.keyboard.type('x');
    await page.keyboard.press('Enter');
    await waitForOutput(sandbox, 'That is not a number.');
    await sandbox.screenshot({path: screenshotPath('python-input')});
    // The README's picture: the page heading down to the terminal, as a reader sees it.
    await page.setViewportSize({width: 1200, height: 1600});
    await page.evaluate(() => window.scrollTo(0, 0));
    const heading = await page.locator('article h1').boundingBox();
    const box = await sandbox.boundingBox();
    assert.ok(heading && box);
    await page.screenshot({
      path: screenshotPath('readme'),
      clip: {x: box.x - 24, y: heading.y - 4, width: box.width + 48, height: box.y + box.height + 16 - (heading.y - 4)},
    });
    await sandbox.getByRole('button', {name: 'Stop'}).click();
    await waitForStatus(sandbox, /Stopped after/);
    await page.close();
  });

  it('shows the non-zero exit code of a failing program', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/tutorials/failing-program/`);
    const sandbox = block(page, 'check-config.sh');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    const status = await waitForStatus(sandbox, /exited with code/);
    assert.match(status, /exited with code 3 in/);
    await waitForOutput(sandbox, 'error: config.yml is missing');
    await page.close();
  });

  it('Ctrl-C stops the endless printer and the page stays responsive; Stop works too', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/tutorials/endless-printer/`);
    const sandbox = block(page, 'endless.sh');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForOutput(sandbox, /line \d{4,}/);
    assert.equal(await shownRows(sandbox), 24, 'grown to all rows, then it scrolls');
    await sandbox.locator('.xterm').click();
    await page.keyboard.press('Control+C');
    const status = await waitForStatus(sandbox, /exited with code|Stopped/, 10_000);
    assert.doesNotMatch(status, /code 0 /, `interrupted, not finished: ${status}`);
    // Responsive: a round trip into the page and a click answer at once.
    const started = Date.now();
    assert.equal(await page.evaluate(() => document.readyState), 'complete');
    assert.ok(Date.now() - started < 1000, 'the page answers within a second');
    await sandbox.screenshot({path: screenshotPath('endless-interrupted')});

    await sandbox.getByRole('button', {name: 'Run again'}).click();
    await waitForStatus(sandbox, /^Running$/);
    await waitForOutput(sandbox, /line \d{3,}/);
    await sandbox.getByRole('button', {name: 'Stop'}).click();
    await waitForStatus(sandbox, /Stopped after/, 10_000);
    await page.close();
  });

  it('runs what the reader edited; the edit survives a reload; Reset restores the authored code', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/tutorials/node-two-files/`);
    let sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('button', {name: 'Edit'}).click();
    await sandbox.getByRole('tab', {name: 'greet.js'}).click();
    const editor = sandbox.locator('[data-sandbox-editor="greet.js"] .cm-content');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(
      'export function greet(name) {\n  return `Bonjour, ${name}!`;\n}\n\nexport function shout(text) {\n  return text.toUpperCase() + "!";\n}\n',
    );
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    await waitForOutput(sandbox, 'Bonjour, Ada!');
    assert.ok(!(await terminalOf(sandbox).innerText()).includes('Hello, Ada!'));
    await sandbox.screenshot({path: screenshotPath('edited')});

    await page.reload();
    sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('tab', {name: 'greet.js'}).click();
    await sandbox.getByText('Bonjour, ${name}!', {exact: false}).first().waitFor();
    await sandbox.getByRole('button', {name: 'Reset'}).click();
    await sandbox.getByText('Hello, ${name}!', {exact: false}).first().waitFor();
    assert.equal(await sandbox.getByRole('button', {name: 'Reset'}).count(), 0);

    await page.reload();
    sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('tab', {name: 'greet.js'}).click();
    await sandbox.getByText('Hello, ${name}!', {exact: false}).first().waitFor();
    assert.equal(await sandbox.getByText('Bonjour', {exact: false}).count(), 0);
    await page.close();
  });

  it('switches the terminal colours with the dark mode toggle', async () => {
    const page = await browser.newPage();
    await page.emulateMedia({colorScheme: 'light'});
    await page.goto(`${base}/docs/tutorials/node-two-files/`);
    const sandbox = block(page, 'Greeting module');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 0/);
    const viewport = sandbox.locator('.xterm-viewport');
    const background = () => viewport.evaluate((element) => getComputedStyle(element).backgroundColor);
    const light = await background();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    const toggle = page.locator('button[aria-label*="Switch between dark and light mode"]');
    // The toggle may cycle through "system" first: click until the page is dark.
    for (let clicks = 0; clicks < 3; clicks++) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark') break;
      await toggle.click();
    }
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.waitForFunction(
      ([selector, before]) => getComputedStyle(document.querySelector(selector!)!).backgroundColor !== before,
      ['.xterm-viewport', light] as const,
    );
    const dark = await background();
    assert.notEqual(dark, light);
    assert.equal(dark, 'rgb(27, 27, 29)');
    assert.equal(light, 'rgb(246, 248, 250)');
    await page.screenshot({path: screenshotPath('dark-mode'), fullPage: false});
    await page.close();
  });
});

describe('reader experience with the backend stopped', {skip}, () => {
  it('a live sandbox reconnects with backoff; Run shows a clear error and the code stays readable', async () => {
    const build = ensureSiteBuild();
    await using serve = await startServe(build);
    await using browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${serve.url}/docs/tutorials/endless-printer/`);
    // A live sandbox (which also loaded the terminal chunk, as a CDN would keep serving it); then the backend goes away.
    const live = block(page, 'stubborn.py');
    await live.getByRole('button', {name: 'Run'}).click();
    await waitForOutput(live, 'still here (1)', 20_000);
    await serve.stop();
    // The socket dropped without an exit: the client retries with backoff (1 s, then up to 2 s, ...).
    await waitForStatus(live, /Connection lost; reconnecting in \d+ s \(attempt 1\)/, 10_000);
    await waitForStatus(live, /Connection lost; reconnecting in \d+ s \(attempt 2\)/, 10_000);

    const sandbox = block(page, 'endless.sh');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    const status = await waitForStatus(sandbox, /Could not reach the sandbox server/, 10_000);
    assert.match(status, /try again later/);
    assert.equal(await sandbox.getByText('echo "line $i"').isVisible(), true);
    assert.equal(await sandbox.getByRole('button', {name: 'Run again'}).isEnabled(), true);
    await sandbox.screenshot({path: screenshotPath('backend-stopped')});
    await page.close();
  });
});

describe('reader experience at the per-client limit', {skip}, () => {
  /** The demo site's configuration with one session per client, in a temporary file. */
  function oneSessionPerClient(): {dir: string; configFile: string} {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-e2e-config-'));
    const site = JSON.parse(readFileSync(join(ROOT, 'site', 'sandbox.config.json'), 'utf8')) as {server?: object};
    const configFile = join(dir, 'sandbox.config.json');
    writeFileSync(configFile, JSON.stringify({...site, server: {...site.server, maxSessionsPerClient: 1}}));
    return {dir, configFile};
  }

  it('says so and offers to stop the reader\'s other sandboxes', async () => {
    const build = ensureSiteBuild();
    const {dir, configFile} = oneSessionPerClient();
    try {
      await using serve = await startServe(build, configFile);
      await using browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${serve.url}/docs/tutorials/endless-printer/`);
      // A slow printer holds the reader's only slot; the endless one is refused.
      const stubborn = block(page, 'stubborn.py');
      const endless = block(page, 'endless.sh');
      await stubborn.getByRole('button', {name: 'Run'}).click();
      await waitForOutput(stubborn, 'still here (1)', 20_000);

      await endless.getByRole('button', {name: 'Run'}).click();
      const status = await waitForStatus(endless, /Stop your other sandboxes/, 10_000);
      assert.match(status, /as many sandboxes running as the server allows/);
      await endless.screenshot({path: screenshotPath('too-many-sessions')});
      await endless.getByRole('button', {name: 'Stop my other sandboxes and run this one'}).click();
      await waitForStatus(stubborn, /Stopped after/, 10_000);
      await waitForOutput(endless, /line \d{3,}/, 20_000);
      await endless.getByRole('button', {name: 'Stop'}).click();
      await waitForStatus(endless, /Stopped after/, 10_000);
      await page.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('"Stop my other sandboxes" reaches the reader\'s sandbox in another tab of the site', async () => {
    const build = ensureSiteBuild();
    const {dir, configFile} = oneSessionPerClient();
    try {
      await using serve = await startServe(build, configFile);
      await using browser = await launchBrowser();
      const firstTab = await browser.newPage();
      await firstTab.goto(`${serve.url}/docs/tutorials/endless-printer/`);
      const stubborn = block(firstTab, 'stubborn.py');
      await stubborn.getByRole('button', {name: 'Run'}).click();
      await waitForOutput(stubborn, 'still here (1)', 20_000);

      // This tab runs nothing itself: only the other tab's announcement makes the offer appear.
      const secondTab = await browser.newPage();
      await secondTab.goto(`${serve.url}/docs/tutorials/endless-printer/`);
      const endless = block(secondTab, 'endless.sh');
      await endless.getByRole('button', {name: 'Run'}).click();
      await waitForStatus(endless, /Stop your other sandboxes/, 10_000);
      await endless.getByRole('button', {name: 'Stop my other sandboxes and run this one'}).click();
      await waitForStatus(stubborn, /Stopped after/, 10_000);
      await waitForOutput(endless, /line \d{3,}/, 20_000);
      await endless.getByRole('button', {name: 'Stop'}).click();
      await waitForStatus(endless, /Stopped after/, 10_000);
      await secondTab.close();
      await firstTab.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('reader experience on a touch screen', {skip}, () => {
  it('shows the key bar, whose Ctrl-C interrupts the program', async () => {
    const build = ensureSiteBuild();
    await using serve = await startServe(build);
    await using browser = await launchBrowser({touch: true});
    const page = await browser.newPage();
    await page.goto(`${serve.url}/docs/tutorials/endless-printer/`);
    const sandbox = block(page, 'endless.sh');
    await sandbox.getByRole('button', {name: 'Run'}).tap();
    await waitForOutput(sandbox, /line \d{3,}/);
    const keys = sandbox.getByRole('toolbar', {name: 'Terminal keys'});
    assert.equal(await keys.isVisible(), true);
    await keys.getByRole('button', {name: 'Control C (interrupt)'}).tap();
    const status = await waitForStatus(sandbox, /exited with code/, 10_000);
    assert.doesNotMatch(status, /code 0 /);
    await page.screenshot({path: screenshotPath('touch')});
    await page.close();
  });

  it('hides the key bar on a desktop (fine pointer)', async () => {
    const build = ensureSiteBuild();
    await using serve = await startServe(build);
    await using browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${serve.url}/docs/tutorials/failing-program/`);
    const sandbox = block(page, 'check-config.sh');
    await sandbox.getByRole('button', {name: 'Run'}).click();
    await waitForStatus(sandbox, /exited with code 3/);
    assert.equal(await sandbox.getByRole('toolbar', {name: 'Terminal keys'}).isVisible(), false);
    await page.close();
  });
});
