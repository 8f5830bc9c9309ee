/**
 * Resume in a real browser: a TCP proxy the test controls sits
 * between Chromium and the server. Cutting it (every piped socket destroyed,
 * new ones refused) for 5 s during a running program and restoring it leaves
 * the terminal complete (every line once, in order) and interactive, and the
 * server logs a resume from a non-zero offset. Playwright's offline mode does
 * not close open WebSockets, hence the proxy.
 */
import assert from 'node:assert/strict';
import {createServer, connect, type Server, type Socket} from 'node:net';
import {describe, it} from 'node:test';
import type {Locator, Page} from 'playwright-core';
import {normalizeConfig} from '../../config/index.js';
import {createSandboxServer} from '../../server/index.js';
import {needChromium, needDocker} from '../helpers/requirements.js';
import {testInstanceId, waitForNoContainers} from '../helpers/server.js';
import {ensureSiteBuild, launchBrowser, screenshotPath} from './harness.js';

const skip = needChromium() || needDocker();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CuttableProxy extends AsyncDisposable {
  url: string;
  cut(): void;
  restore(): void;
}

/** A TCP proxy to `target` that can drop every connection and refuse new ones. */
async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as {port: number}).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    async [Symbol.asyncDispose]() {
      open = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const block = (page: Page, title: string): Locator => page.getByRole('group', {name: title, exact: true});

/** The `still here (n)` numbers visible in the terminal, top to bottom. */
async function visibleCounts(sandbox: Locator): Promise<number[]> {
  const rows = await sandbox.locator('.xterm-rows > div').allTextContents();
  return rows.flatMap((row) => [...row.matchAll(/still here \((\d+)\)/g)].map((match) => Number(match[1])));
}

describe('resume through a dropped network (Chromium)', {skip}, () => {
  it('a 5 s cut during a running program: the terminal is complete and interactive; the server resumed from a non-zero offset', async () => {
    const build = ensureSiteBuild();
    const instanceId = testInstanceId('e2e-resume');
    const logLines: Array<{message: string; details: Record<string, unknown>}> = [];
    const record = (details: Record<string, unknown>, message: string) => logLines.push({message, details});
    const server = createSandboxServer({
      config: normalizeConfig({defaultEnv: 'shell', server: {host: '127.0.0.1', port: 0, instanceId}}),
      siteDir: build,
      logger: {info: record, warn: record, error: record},
    });
    const {port} = await server.listen();
    try {
      await using proxy = await startProxy(port);
      await using browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(`${proxy.url}/docs/tutorials/endless-printer/`);
      // A tall terminal keeps every line of the run on screen, so the whole output can be checked.
      await page.addStyleTag({content: '[data-sandbox-terminal] { height: 1100px !important; }'});
      const sandbox = block(page, 'stubborn.py');
      await sandbox.getByRole('button', {name: 'Run'}).click();
      await sandbox.locator('.xterm-rows', {hasText: 'still here (4)'}).waitFor({timeout: 30_000});

      proxy.cut();
      const beforeCut = Math.max(...(await visibleCounts(sandbox)));
      await sandbox.locator('[data-sandbox-status]', {hasText: /reconnecting/}).waitFor({timeout: 5_000});
      await sleep(5_000);
      proxy.restore();

      await sandbox.locator('[data-sandbox-status]', {hasText: /^Running$/}).waitFor({timeout: 20_000});
      // About ten lines were printed while the network was down; wait for a few more live ones.
      await sandbox.locator('.xterm-rows', {hasText: `still here (${beforeCut + 14})`}).waitFor({timeout: 20_000});
      const counts = await visibleCounts(sandbox);
      assert.equal(counts[0], 1, `the run's first line is still on screen: ${counts.join(',')}`);
      assert.ok(counts.includes(beforeCut) && counts.includes(beforeCut + 1), `the lines around the cut are there: ${counts.join(',')}`);
      for (let index = 1; index < counts.length; index += 1) {
        assert.equal(counts[index], counts[index - 1]! + 1, `every line once, in order: ${counts.join(',')}`);
      }

      // Interactive: the program's own Ctrl-C handler answers.
      await sandbox.locator('.xterm').click();
      await page.keyboard.press('Control+c');
      await sandbox.locator('.xterm-rows', {hasText: "Ctrl-C? I'm not stopping!"}).waitFor({timeout: 10_000});
      await sandbox.screenshot({path: screenshotPath('resume-after-cut')});

      const resumes = logLines.filter((line) => line.message === 'session resumed');
      assert.ok(resumes.length >= 1, 'the server logged a resume');
      assert.ok(resumes.some((line) => typeof line.details.offset === 'number' && line.details.offset > 0), JSON.stringify(resumes));
      assert.ok(resumes.every((line) => line.details.truncated === false), 'nothing was lost from the replay buffer');

      await sandbox.getByRole('button', {name: 'Stop'}).click();
      await sandbox.locator('[data-sandbox-status]', {hasText: /Stopped after/}).waitFor({timeout: 10_000});
      await page.close();
    } finally {
      await server.close();
      assert.equal(await waitForNoContainers(instanceId), 0);
    }
  });
});
