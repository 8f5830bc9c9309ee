/**
 * The Vite plugin of `withSandbox` under `vitepress dev`: it starts the dev
 * backend with the dev site as its origin, hands it each manifest, serves its
 * URL to the component and stops it with the dev server; a build, a set
 * serverUrl or a recorded-only site starts none.
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {describe, it} from 'node:test';
import type {SandboxManifest} from '../../config/block.js';
import {normalizeConfig} from '../../config/normalize.js';
import type {SandboxConfig} from '../../config/schema.js';
import type {DevBackend} from '../../plugin/dev.js';
import {sandboxVitePlugin, SITE_DATA_MODULE, type SandboxVitePluginInput} from '../vite.js';

interface Hooks {
  configResolved(config: {root: string; vitepress?: {root: string; configDeps?: string[]}}): void;
  configureServer(server: {config: {server: {port?: number}}; httpServer: EventEmitter}): void;
  resolveId(id: string): string | undefined;
  load(id: string): Promise<string | undefined>;
  closeBundle(): Promise<void>;
}

function setUp(overrides: Partial<SandboxVitePluginInput> = {}) {
  const started: SandboxConfig[] = [];
  const manifests: SandboxManifest[] = [];
  const roots: string[] = [];
  let listener: ((manifest: SandboxManifest) => void) | undefined;
  let closed = 0;
  const backend: DevBackend = {url: Promise.resolve('http://127.0.0.1:5174'), setManifest: (manifest) => void manifests.push(manifest), close: async () => void (closed += 1)};
  const plugin = sandboxVitePlugin({
    serverUrl: '',
    recordedOnly: false,
    devPort: undefined,
    loadConfig: (root) => {
      roots.push(root);
      return normalizeConfig({});
    },
    configPath: (root) => `${root}/sandbox.config.json`,
    onManifest: (next) => {
      listener = next;
    },
    startBackend: (config) => {
      started.push(config);
      return backend;
    },
    ...overrides,
  }) as unknown as Hooks;
  return {plugin, started, manifests, roots, notify: (manifest: SandboxManifest) => listener?.(manifest), closed: () => closed};
}

const siteData = async (plugin: Hooks) => plugin.load(plugin.resolveId(SITE_DATA_MODULE)!);

describe('the Vite plugin under vitepress dev', () => {
  it('starts the dev backend for the dev site, feeds it manifests and stops it with the dev server', async () => {
    const {plugin, started, manifests, roots, notify, closed} = setUp();
    plugin.configResolved({root: '/site/docs', vitepress: {root: '/site'}});
    const httpServer = new EventEmitter();
    plugin.configureServer({config: {server: {port: 5200}}, httpServer});
    assert.deepEqual(roots, ['/site']);
    assert.equal(started.length, 1);
    assert.equal(started[0]!.server.port, 5201);
    assert.equal(started[0]!.server.allowInline, true);
    assert.ok(started[0]!.server.origins.includes('http://localhost:5200'));
    assert.equal(await siteData(plugin), 'export default {"serverUrl":"http://127.0.0.1:5174","recordedOnly":false};\n');
    notify({version: 1, blocks: []});
    assert.deepEqual(manifests, [{version: 1, blocks: []}]);
    httpServer.emit('close');
    await plugin.closeBundle();
    assert.ok(closed() >= 1);
  });

  it("adds the sandbox config to the config dependencies vitepress dev restarts on, once", () => {
    const {plugin} = setUp();
    const configDeps = ['/site/.vitepress/theme.ts'];
    plugin.configResolved({root: '/site', vitepress: {root: '/site', configDeps}});
    plugin.configResolved({root: '/site', vitepress: {root: '/site', configDeps}});
    assert.deepEqual(configDeps, ['/site/.vitepress/theme.ts', '/site/sandbox.config.json']);
  });

  it('starts none when a serverUrl is set or the site is recorded-only, nor in a build', async () => {
    for (const overrides of [{serverUrl: 'https://sandbox.example.com'}, {recordedOnly: true}]) {
      const {plugin, started} = setUp(overrides);
      plugin.configResolved({root: '/site'});
      plugin.configureServer({config: {server: {}}, httpServer: new EventEmitter()});
      assert.equal(started.length, 0);
    }
    const built = setUp();
    built.plugin.configResolved({root: '/site'});
    assert.equal(await siteData(built.plugin), 'export default {"serverUrl":"","recordedOnly":false};\n');
    assert.equal(built.started.length, 0);
  });
});

describe('the Vite settings', () => {
  it("keep external in the SSR build exactly the terminal's and editor's packages of package.json", async () => {
    const {readFileSync} = await import('node:fs');
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {dependencies: Record<string, string>};
    const lazy = Object.keys(own.dependencies).filter((name) => /^(@xterm\/|@codemirror\/|codemirror$)/.test(name));
    const {BROWSER_ONLY_PACKAGES, viteSettings} = await import('../vite.js');
    assert.deepEqual([...BROWSER_ONLY_PACKAGES].sort(), lazy.sort());
    assert.deepEqual(viteSettings().ssr?.external, BROWSER_ONLY_PACKAGES);
  });
});
