/**
 * The Vite side of the VitePress integration: the site data module the Vue
 * component reads (where the backend is), the settings its package needs in
 * both builds, and the dev backend under `vitepress dev`, which runs in a
 * child process as under `docusaurus start` (plugin/dev.ts says why).
 */
import {sep} from 'node:path';
import type {Plugin, UserConfig as ViteConfig} from 'vite';
import type {SandboxManifest} from '../config/block.js';
import type {SandboxConfig} from '../config/schema.js';
import {devServerConfig, startDevBackend, type DevBackend} from '../plugin/dev.js';

/** The module the component imports for the site's settings; resolved by this plugin alone. */
export const SITE_DATA_MODULE = 'virtual:docusaurus-sandbox/site-data';
const RESOLVED_SITE_DATA = `\0${SITE_DATA_MODULE}`;
export const PACKAGE_NAME = 'docusaurus-sandbox';

/** What the component reads from `SITE_DATA_MODULE`. */
export interface SiteData {
  /** The backend's URL; '' means the page's own origin. */
  serverUrl: string;
  recordedOnly: boolean;
}

export const siteDataModule = (data: SiteData) => `export default ${JSON.stringify(data)};\n`;

/** VitePress's dev port when its config and command line name none. */
export const VITE_DEFAULT_PORT = 5173;

/**
 * The packages of the terminal and editor chunks, which the component imports
 * only in the browser on a first Run or Edit (a test pins the list against
 * package.json's dependencies).
 */
export const BROWSER_ONLY_PACKAGES = [
  '@xterm/xterm',
  '@xterm/addon-fit',
  'codemirror',
  '@codemirror/state',
  '@codemirror/view',
  '@codemirror/lang-javascript',
  '@codemirror/lang-python',
  '@codemirror/theme-one-dark',
];

/**
 * The Vite settings the component needs. SSR: the package is bundled, not
 * loaded by Node, so its CSS and the site data module are Vite's to resolve;
 * the terminal and editor packages stay external there, since the server
 * never runs those chunks and bundling them into the SSR build too nearly
 * doubled the demo's build time. Dev: the package is not pre-bundled (esbuild
 * cannot see the virtual module); xterm's CommonJS builds are, so the browser
 * can import them.
 */
export function viteSettings(): ViteConfig {
  return {
    ssr: {noExternal: [PACKAGE_NAME], external: BROWSER_ONLY_PACKAGES},
    optimizeDeps: {
      exclude: [PACKAGE_NAME],
      include: [`${PACKAGE_NAME} > @xterm/xterm`, `${PACKAGE_NAME} > @xterm/addon-fit`],
    },
  };
}

export interface SandboxVitePluginInput {
  serverUrl: string;
  recordedOnly: boolean;
  devPort: number | undefined;
  /** The config, once VitePress knows the site's root. */
  loadConfig(root: string): SandboxConfig;
  /** The sandbox config file's absolute path for the site's root (the default one whether or not it exists). */
  configPath(root: string): string;
  /** Registers the function the plugin calls with the dev backend's manifest updates. */
  onManifest(listener: (manifest: SandboxManifest) => void): void;
  log?: (message: string) => void;
  /** Starts the dev backend (plugin/dev.ts's, in a child process); the seam for tests. */
  startBackend?: (config: SandboxConfig, log: (message: string) => void) => DevBackend;
}

/** What the plugin reads of the site config VitePress passes on Vite's resolved config. */
function siteConfigOf(config: unknown): {root?: unknown; configDeps?: unknown} | undefined {
  return (config as {vitepress?: {root?: unknown; configDeps?: unknown}}).vitepress;
}

export function sandboxVitePlugin(input: SandboxVitePluginInput): Plugin {
  let root = process.cwd();
  let dev: DevBackend | undefined;
  return {
    name: 'docusaurus-sandbox',
    configResolved(config) {
      const site = siteConfigOf(config);
      root = typeof site?.root === 'string' ? site.root : config.root;
      // `vitepress dev` watches its config's dependencies and restarts on a change (as `docusaurus start` does for
      // the plugin's paths to watch): the sandbox config is one, since the blocks and the dev backend are made from it.
      const deps = site?.configDeps;
      const path = input.configPath(root).split(sep).join('/');
      if (Array.isArray(deps) && !deps.includes(path)) deps.push(path);
    },
    configureServer(server) {
      // Only `vitepress dev` has a dev server; a build never starts a backend. A set serverUrl wins.
      if (input.serverUrl !== '' || input.recordedOnly) return;
      const sitePort = server.config.server.port ?? VITE_DEFAULT_PORT;
      const start = input.startBackend ?? ((config, log) => startDevBackend(config, log));
      dev = start(devServerConfig(input.loadConfig(root), sitePort, input.devPort), input.log ?? console.warn);
      const backend = dev;
      input.onManifest((manifest) => backend.setManifest(manifest));
      server.httpServer?.once('close', () => void backend.close());
    },
    resolveId: (id) => (id === SITE_DATA_MODULE ? RESOLVED_SITE_DATA : undefined),
    async load(id) {
      if (id !== RESOLVED_SITE_DATA) return undefined;
      return siteDataModule({serverUrl: input.serverUrl || ((await dev?.url) ?? ''), recordedOnly: input.recordedOnly});
    },
    async closeBundle() {
      await dev?.close();
    },
  };
}
