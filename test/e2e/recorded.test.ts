/**
 * Recorded playback in a real browser: the built site with a
 * `sandbox-transcripts.json` beside its manifest, served by a static server
 * whose backend is down (its /api answers 502 like a reverse proxy with a dead
 * upstream). Run on a recorded block plays the recording, labelled as one;
 * on a block without a recording the reader gets the clear error.
 */
import assert from 'node:assert/strict';
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {TRANSCRIPTS_FILE, type SandboxManifest, type TranscriptsFile} from '../../config/block.js';
import {needChromium} from '../helpers/requirements.js';
import {ensureSiteBuild, launchBrowser, screenshotPath, staticSiteWithoutBackend} from './harness.js';

const block = (page: Page, title: string): Locator => page.getByRole('group', {name: title, exact: true});

describe('recorded playback with the backend stopped (Chromium)', {skip: needChromium()}, () => {
  it('plays a recorded block with a visible "recorded" label; a block without a recording shows the clear error', async () => {
    const source = ensureSiteBuild();
    const root = mkdtempSync(join(tmpdir(), 'sandbox-e2e-recorded-'));
    try {
      cpSync(source, root, {recursive: true});
      const manifest = JSON.parse(readFileSync(join(root, 'sandbox-manifest.json'), 'utf8')) as SandboxManifest;
      const greeting = manifest.blocks.find((item) => item.title === 'Greeting module');
      assert.ok(greeting, 'the demo site has the Node greeting block');
      const file: TranscriptsFile = {
        version: 1,
        transcripts: {
          [greeting.id]: {
            recordedAt: '2026-11-20T10:00:00.000Z',
            exitCode: 0,
            chunks: [
              [0, 'Hello, Ada!\r\n'],
              [600, 'Hello, Grace!\r\n'],
              [600, 'Hello, Linus!\r\n'],
            ],
          },
        },
      };
      writeFileSync(join(root, TRANSCRIPTS_FILE), JSON.stringify(file));
      const site = await staticSiteWithoutBackend(root);
      try {
        await using browser = await launchBrowser();
        const page = await browser.newPage();
        await page.goto(`${site.url}/docs/tutorials/node-two-files/`);

        const recorded = block(page, 'Greeting module');
        await recorded.getByRole('button', {name: 'Run'}).click();
        await recorded.locator('[data-sandbox-recorded]').waitFor({timeout: 15_000});
        const started = Date.now();
        // xterm draws only while on screen: bring the terminal below the Run button into view.
        await recorded.locator('.xterm').first().scrollIntoViewIfNeeded({timeout: 15_000});
        await recorded.locator('.xterm-rows', {hasText: 'Hello, Ada!'}).waitFor({timeout: 10_000});
        const status = (await recorded.locator('[data-sandbox-status]').textContent()) ?? '';
        assert.match(status, /^Recorded on Nov 20, 2026/);
        assert.match(status, /could not be reached/);
        await recorded.locator('.xterm-rows', {hasText: 'Hello, Linus!'}).waitFor({timeout: 10_000});
        assert.ok(Date.now() - started >= 900, 'the recording keeps its timing (two 600 ms gaps)');
        assert.equal(await recorded.locator('[data-sandbox-recorded]').isVisible(), true);
        assert.equal(await recorded.getByText("const names = ['Ada', 'Grace', 'Linus'];").isVisible(), true, 'the code stays readable');
        await recorded.screenshot({path: screenshotPath('recorded-playback')});

        const other = block(page, 'Async file access');
        await other.getByRole('button', {name: 'Run'}).click();
        await other.locator('[data-sandbox-status]', {hasText: /Could not reach the sandbox server/}).waitFor({timeout: 15_000});
        assert.equal(await other.locator('[data-sandbox-recorded]').count(), 0);
        await other.screenshot({path: screenshotPath('recorded-missing')});

        const fetched = site.requests.filter((line) => line === `GET /${TRANSCRIPTS_FILE}`);
        assert.equal(fetched.length, 1, 'the transcripts file is fetched once per page');
        await page.close();
      } finally {
        await new Promise<void>((resolve) => site.server.close(() => resolve()));
      }
    } finally {
      rmSync(root, {recursive: true, force: true});
    }
  });

  it('on a static host without a backend (404 for the API), plays the recording or says the site\'s server is not reachable', async () => {
    const source = ensureSiteBuild();
    const root = mkdtempSync(join(tmpdir(), 'sandbox-e2e-static-'));
    try {
      cpSync(source, root, {recursive: true});
      const manifest = JSON.parse(readFileSync(join(root, 'sandbox-manifest.json'), 'utf8')) as SandboxManifest;
      const greeting = manifest.blocks.find((item) => item.title === 'Greeting module');
      assert.ok(greeting, 'the demo site has the Node greeting block');
      const file: TranscriptsFile = {version: 1, transcripts: {[greeting.id]: {recordedAt: '2026-11-20T10:00:00.000Z', exitCode: 0, chunks: [[0, 'Hello, Ada!\r\n']]}}};
      writeFileSync(join(root, TRANSCRIPTS_FILE), JSON.stringify(file));
      const site = await staticSiteWithoutBackend(root, 'static');
      try {
        await using browser = await launchBrowser();
        const page = await browser.newPage();
        const warnings: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'warning') warnings.push(message.text());
        });
        await page.goto(`${site.url}/docs/tutorials/node-two-files/`);

        const recorded = block(page, 'Greeting module');
        await recorded.getByRole('button', {name: 'Run'}).click();
        // xterm draws only while on screen: bring the terminal below the Run button into view.
        await recorded.locator('.xterm').first().scrollIntoViewIfNeeded({timeout: 15_000});
        await recorded.locator('.xterm-rows', {hasText: 'Hello, Ada!'}).waitFor({timeout: 15_000});
        assert.equal(await recorded.locator('[data-sandbox-recorded]').isVisible(), true);

        const other = block(page, 'Async file access');
        await other.getByRole('button', {name: 'Run'}).click();
        const status = other.locator('[data-sandbox-status]', {hasText: /This site's sandbox server is not reachable/});
        await status.waitFor({timeout: 15_000});
        assert.doesNotMatch((await other.locator('[data-sandbox-status]').textContent()) ?? '', /Something went wrong/);
        assert.ok(
          warnings.some((text) => /POST .*\/api\/sessions answered 404, but not as a sandbox server/.test(text)),
          `the console tells the site's owner why: ${warnings.join(' | ')}`,
        );
        await page.close();
      } finally {
        await new Promise<void>((resolve) => site.server.close(() => resolve()));
      }
    } finally {
      rmSync(root, {recursive: true, force: true});
    }
  });
});
