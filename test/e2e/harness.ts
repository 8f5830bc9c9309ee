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
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {extname, join, normalize, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createServer, type Server} from 'node:http';
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

const VITEPRESS_DIR = join(ROOT, 'site-vitepress');

/** The VitePress demo's build (site-vitepress/.vitepress/dist), (re)built when older than its pages, the included tutorials or the package. */
export function ensureVitePressBuild(): string {
  if (process.env.E2E_VITEPRESS_BUILD) return resolve(process.env.E2E_VITEPRESS_BUILD);
  const build = join(VITEPRESS_DIR, '.vitepress', 'dist');
  const manifest = join(build, 'sandbox-manifest.json');
  const inputs = Math.max(
    ...['index.md', 'tutorials', 'fr', join('.vitepress', 'config.ts'), join('.vitepress', 'theme')].map((name) => newestMtime(join(VITEPRESS_DIR, name))),
    newestMtime(join(SITE_DIR, 'docs', 'tutorials')),
    newestMtime(join(ROOT, 'dist', 'vitepress')),
    newestMtime(join(ROOT, 'dist', 'client')),
  );
  if (existsSync(manifest) && statSync(manifest).mtimeMs >= inputs) return build;
  const result = spawnSync('npx', ['vitepress', 'build'], {cwd: VITEPRESS_DIR, stdio: 'inherit', timeout: 600_000});
  if (result.status !== 0) throw new Error(`vitepress build of site-vitepress/ failed (exit ${result.status}); run it by hand to see why`);
  return build;
}

export interface ServeProcess extends AsyncDisposable {
  url: string;
  /** The last 20,000 characters it printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Runs `docusaurus-sandbox serve BUILD --port 0` and waits for its URL. A second
 * server running beside the first needs its own `instance` (a server holds its
 * instance id exclusively).
 */
export function startServe(build: string, configFile = join(SITE_DIR, 'sandbox.config.json'), instance = 'e2e'): Promise<ServeProcess> {
  const cli = join(ROOT, 'dist', 'server', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error('dist/server/cli/main.js is missing: run `npm run build` first');
  // Containers of this run carry their own instance label, apart from other test suites.
  return spawnServe(process.execPath, [cli, 'serve', build, '--port', '0', '--config', configFile], {cwd: ROOT, instanceId: `${instance}-${process.pid}`});
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

const TYPES: Record<string, string> = {'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml'};

/**
 * Serves `root` statically. Under /api/: `proxy` answers 502, as a proxy whose backend is stopped; `static` answers
 * as a static host does (`docusaurus serve`: the POST falls through to a 404 page).
 */
export async function staticSiteWithoutBackend(root: string, api: 'proxy' | 'static' = 'proxy'): Promise<{url: string; requests: string[]; server: Server}> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push(`${request.method} ${path}`);
    if (path.startsWith('/api/') && api === 'proxy') {
      response.writeHead(502, {'content-type': 'text/html'}).end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    if (path.startsWith('/api/')) {
      response.writeHead(404, {'content-type': 'text/html'}).end('<!doctype html><title>Page Not Found</title>');
      return;
    }
    const candidates = [path, join(path, 'index.html'), `${path}.html`].map((item) => join(root, normalize(item)));
    for (const file of candidates) {
      try {
        const body = readFileSync(file);
        response.writeHead(200, {'content-type': TYPES[extname(file)] ?? 'application/octet-stream'}).end(body);
        return;
      } catch {
        // try the next form
      }
    }
    response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {url: `http://127.0.0.1:${(server.address() as {port: number}).port}`, requests, server};
}
