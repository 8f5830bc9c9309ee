/**
 * End-to-end harness: the built demo site served by the real
 * `docusaurus-sandbox serve` CLI (real Docker), driven by Debian's Chromium
 * through playwright-core.
 *
 * The site is built in `ensureSiteBuild()` when `site/build` is missing or
 * older than its sources or the compiled theme; `E2E_SITE_BUILD` points at an
 * already built site instead.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium, type BrowserContext, type Page} from 'playwright-core';
import {CHROMIUM} from '../helpers/requirements.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RESULTS_DIR = join(ROOT, 'test-results');
const SITE_DIR = join(ROOT, 'site');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'build' || entry === '.docusaurus') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** The site build to serve: E2E_SITE_BUILD, or site/build (re)built when stale. */
export function ensureSiteBuild(): string {
  if (process.env.E2E_SITE_BUILD) return resolve(process.env.E2E_SITE_BUILD);
  const build = join(SITE_DIR, 'build');
  const manifest = join(build, 'sandbox-manifest.json');
  const inputs = Math.max(
    ...['docs', 'src', 'blog', 'static', 'docusaurus.config.ts', 'sidebars.ts', 'sandbox.config.json'].map((name) =>
      newestMtime(join(SITE_DIR, name)),
    ),
    newestMtime(join(ROOT, 'dist', 'theme')),
    newestMtime(join(ROOT, 'dist', 'plugin')),
  );
  if (existsSync(manifest) && statSync(manifest).mtimeMs >= inputs) return build;
  const result = spawnSync('npx', ['docusaurus', 'build'], {cwd: SITE_DIR, stdio: 'inherit', timeout: 600_000});
  if (result.status !== 0) throw new Error(`docusaurus build of site/ failed (exit ${result.status}); run it by hand to see why`);
  return build;
}

export interface ServeProcess extends AsyncDisposable {
  url: string;
  /** The last 20,000 characters it printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Runs `docusaurus-sandbox serve BUILD --port 0` and waits for its URL. */
export function startServe(build: string, configFile = join(SITE_DIR, 'sandbox.config.json')): Promise<ServeProcess> {
  const cli = join(ROOT, 'dist', 'server', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error('dist/server/cli/main.js is missing: run `npm run build` first');
  // Containers of this run carry their own instance label, apart from other test suites.
  return spawnServe(process.execPath, [cli, 'serve', build, '--port', '0', '--config', configFile], {cwd: ROOT, instanceId: `e2e-${process.pid}`});
}

/**
 * Runs a `serve` command line (`command args…`, which must listen on a free
 * port) and waits for the URL it prints; `instanceId` labels its containers.
 */
export async function spawnServe(command: string, args: string[], options: {cwd: string; instanceId: string}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: {...process.env, SANDBOX_INSTANCE_ID: options.instanceId},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      const match = /listening on (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${log}`));
    });
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.kill('SIGTERM');
    }));
  return {url, log: () => log, stop, [Symbol.asyncDispose]: stop};
}

export interface Browser extends AsyncDisposable {
  context: BrowserContext;
  newPage(): Promise<Page>;
}

/** `touch`: a phone-sized touch screen (coarse pointer), else a desktop window. */
export async function launchBrowser(options: {touch?: boolean} = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sandbox-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: options.touch ? {width: 400, height: 800} : {width: 1200, height: 900},
    hasTouch: options.touch ?? false,
    isMobile: options.touch ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, {recursive: true, force: true});
  };
  return {
    context,
    newPage: () => context.newPage(),
    [Symbol.asyncDispose]: close,
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(RESULTS_DIR, {recursive: true});
  return join(RESULTS_DIR, `${name}.png`);
}

/** Visible text of a page's HTML without tags (for SSR checks). */
export function htmlText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
