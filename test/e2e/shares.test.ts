/**
 * Shared terminals in Chromium, two pages of the built site: the owner runs a
 * block and shares it ("Share: can watch"); the viewer opens the link, sees
 * the banner and the owner's output live, no Run; the owner's page counts
 * 1 watching; Stop sharing tells the viewer at once. Then "Share: can type"
 * opened on a phone in dark mode: the viewer's keys reach the program.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {normalizeConfig} from '../../config/index.js';
import type {CreateShareResponse} from '../../protocol/index.js';
import {createSandboxServer} from '../../server/index.js';
import {needChromium, needDocker} from '../helpers/requirements.js';
import {testInstanceId, waitForNoContainers} from '../helpers/server.js';
import {ensureSiteBuild, launchBrowser, screenshotPath} from './harness.js';

const skip = needChromium() || needDocker();
const TITLE = 'Statistics, then a shell';
const block = (page: Page): Locator => page.getByRole('group', {name: TITLE, exact: true});

describe('shared terminals (Chromium)', {skip}, () => {
  it('the viewer sees the owner’s output and the owner’s page counts 1 watching; Stop sharing ends the viewer’s view', async () => {
    const build = ensureSiteBuild();
    const instanceId = testInstanceId('e2e-shares');
    const server = createSandboxServer({config: normalizeConfig({server: {host: '127.0.0.1', port: 0, instanceId}}), siteDir: build});
    const {url} = await server.listen();
    try {
      await using browser = await launchBrowser();
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: url});
      const owner = await browser.newPage();
      await owner.goto(`${url}/docs/tutorials/python-input/`);
      const sandbox = block(owner);
      await sandbox.scrollIntoViewIfNeeded();
      await sandbox.getByRole('button', {name: 'Run'}).click();
      await sandbox.locator('.xterm-rows', {hasText: 'median'}).waitFor({timeout: 30_000});

      const answered = owner.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/shares'));
      await sandbox.getByRole('button', {name: 'Share: can watch'}).click();
      const created = (await (await answered).json()) as CreateShareResponse;
      assert.equal(created.mode, 'view');
      await sandbox.getByText('Link copied to the clipboard').waitFor({timeout: 5_000});
      assert.equal(await owner.evaluate(() => navigator.clipboard.readText()), created.url, 'the link is on the clipboard');
      assert.match(created.url, /^http:\/\/127\.0\.0\.1:\d+\/docs\/tutorials\/python-input\/#sandbox-share=/);

      const viewer = await browser.newPage();
      await viewer.goto(created.url);
      const watched = block(viewer);
      await watched.scrollIntoViewIfNeeded();
      await watched.getByText('Watching a shared session').waitFor({timeout: 10_000});
      assert.equal(await watched.getByRole('button', {name: 'Run'}).count(), 0, 'no Run for a viewer');
      await watched.locator('.xterm-rows', {hasText: 'median'}).waitFor({timeout: 15_000});
      await sandbox.locator('[data-sandbox-viewers="1"]').waitFor({timeout: 10_000});
      assert.match(await sandbox.locator('[data-sandbox-viewers]').innerText(), /^1 watching, 0 can type$/);

      // Live: the owner types, the viewer sees it.
      await sandbox.locator('.xterm').click();
      await owner.keyboard.type('echo shared-$((6*7))\n');
      await watched.locator('.xterm-rows', {hasText: 'shared-42'}).waitFor({timeout: 15_000});
      await viewer.screenshot({path: screenshotPath('shares-viewer')});
      await owner.screenshot({path: screenshotPath('shares-owner')});

      await sandbox.getByRole('button', {name: 'Stop sharing'}).click();
      await watched.getByText('The owner stopped sharing this session.').waitFor({timeout: 10_000});
      await viewer.close();

      // "can type", opened on a phone in dark mode: the viewer's keys reach the owner's program.
      const typing = owner.waitForResponse((response) => response.request().method() === 'POST' && response.url().endsWith('/shares'));
      await sandbox.getByRole('button', {name: 'Share: can type'}).click();
      const control = (await (await typing).json()) as CreateShareResponse;
      assert.equal(control.mode, 'control');
      await using phone = await launchBrowser({touch: true});
      const typist = await phone.newPage();
      await typist.emulateMedia({colorScheme: 'dark'});
      await typist.goto(control.url);
      await typist.evaluate(() => window.localStorage.setItem('theme', 'dark'));
      await typist.reload();
      const phoneBlock = block(typist);
      await phoneBlock.scrollIntoViewIfNeeded();
      await phoneBlock.getByText('Watching a shared session — you can type').waitFor({timeout: 10_000});
      await phoneBlock.locator('.xterm-rows', {hasText: 'shared-42'}).waitFor({timeout: 15_000});
      const box = await phoneBlock.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 400, `the block fits the phone's width: ${JSON.stringify(box)}`);
      assert.equal(await typist.evaluate(() => document.documentElement.dataset.theme), 'dark');
      await phoneBlock.locator('.xterm').scrollIntoViewIfNeeded();
      await phoneBlock.locator('.xterm').tap();
      await typist.keyboard.type('echo typed-on-the-$((1+1))nd-page\n');
      await sandbox.locator('.xterm-rows', {hasText: 'typed-on-the-2nd-page'}).waitFor({timeout: 15_000});
      await sandbox.locator('[data-sandbox-viewers="1"]', {hasText: '1 can type'}).waitFor({timeout: 10_000});
      await typist.screenshot({path: screenshotPath('shares-viewer-phone-dark')});

      await sandbox.getByRole('button', {name: 'Stop', exact: true}).click();
      await phoneBlock.getByText('The shared session has ended.').waitFor({timeout: 15_000});
      await typist.close();
      await owner.close();
    } finally {
      await server.close();
      assert.equal(await waitForNoContainers(instanceId), 0);
    }
  });
});
