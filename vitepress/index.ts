/**
 * `docusaurus-sandbox/vitepress`: `withSandbox(config, options?)` wraps a
 * VitePress `defineConfig(...)` object. It registers the markdown-it plugin
 * (```sandbox fences and `::: sandbox` containers become `<Sandbox>`
 * elements), the Vite settings and site data the component needs, the dev
 * backend under `vitepress dev`, and a `buildEnd` hook that writes
 * `sandbox-manifest.json` into the site's `outDir`. The logic lives in the
 * modules it wires together.
 */
import {resolve} from 'node:path';
import type {SiteConfig, UserConfig} from 'vitepress';
import type {SandboxManifest} from '../config/block.js';
import {resolveSandboxConfig} from '../plugin/remark/config.js';
import {manifestOfPages, writeManifest} from '../plugin/manifest.js';
import markdownItSandbox, {type RenderedPage} from './markdown.js';
import {DEFAULT_OPTIONS, validateOptions, type Options} from './options.js';
import {BROWSER_ONLY_PACKAGES, sandboxVitePlugin, viteSettings} from './vite.js';

export type {Options, SandboxVitePressOptions} from './options.js';
export {default as markdownItSandbox, SandboxAuthoringError, type MarkdownSandboxOptions, type RenderedPage} from './markdown.js';

/**
 * The blocks of every page VitePress rendered, by source. A page rendered
 * again (both builds render it; the dev server on every edit) replaces its
 * entry, so the manifest holds each page's latest blocks once.
 */
export class PageCollector {
  readonly #pages = new Map<string, RenderedPage>();
  readonly #listeners: ((manifest: SandboxManifest) => void)[] = [];

  add(page: RenderedPage): void {
    this.#pages.set(page.source, page);
    if (this.#listeners.length === 0) return;
    const manifest = this.manifest();
    for (const listener of this.#listeners) listener(manifest);
  }

  onChange(listener: (manifest: SandboxManifest) => void): void {
    this.#listeners.push(listener);
    if (this.#pages.size > 0) listener(this.manifest());
  }

  manifest(base?: string): SandboxManifest {
    const manifest = manifestOfPages(this.#pages.values());
    return base ? {...manifest, baseUrl: base} : manifest;
  }
}

export function withSandbox<ThemeConfig>(config: UserConfig<ThemeConfig>, options?: Options): UserConfig<ThemeConfig> {
  const normalized = validateOptions(options);
  // An explicit config file must exist; the default one is read when present (as on Docusaurus).
  const configFile = normalized.configFile === DEFAULT_OPTIONS.configFile ? undefined : normalized.configFile;
  const loadConfig = (root: string) => resolveSandboxConfig({config: normalized.config, configFile, siteDir: root});
  const pages = new PageCollector();
  const userMarkdownConfig = config.markdown?.config;
  const userBuildEnd = config.buildEnd;
  const vite = config.vite ?? {};
  const settings = viteSettings();
  return {
    ...config,
    markdown: {
      ...config.markdown,
      config: (md) => {
        // After the site's own plugins: the block rules see the page as the site's markdown-it reads it.
        const register = () => void md.use(markdownItSandbox, {config: normalized.config, configFile, onPage: (page: RenderedPage) => pages.add(page)});
        const site: unknown = userMarkdownConfig?.(md);
        // VitePress 1.6 does not await `markdown.config`: stay synchronous unless the site's own is not.
        if (site instanceof Promise) return site.then(register);
        register();
        return undefined;
      },
    },
    vite: {
      ...vite,
      plugins: [
        ...(vite.plugins ?? []),
        sandboxVitePlugin({
          serverUrl: normalized.serverUrl,
          recordedOnly: normalized.recordedOnly,
          devPort: normalized.devServer.port,
          loadConfig,
          configPath: (root) => resolve(root, normalized.configFile),
          onManifest: (listener) => pages.onChange(listener),
        }),
      ],
      ssr: {
        ...vite.ssr,
        noExternal: mergeList(vite.ssr?.noExternal, settings.ssr?.noExternal),
        external: vite.ssr?.external === true ? true : [...(vite.ssr?.external ?? []), ...BROWSER_ONLY_PACKAGES],
      },
      optimizeDeps: {
        ...vite.optimizeDeps,
        exclude: [...(vite.optimizeDeps?.exclude ?? []), ...(settings.optimizeDeps?.exclude ?? [])],
        include: [...(vite.optimizeDeps?.include ?? []), ...(settings.optimizeDeps?.include ?? [])],
      },
    },
    async buildEnd(siteConfig: SiteConfig<ThemeConfig>) {
      await userBuildEnd?.(siteConfig);
      await writeManifest(siteConfig.outDir, pages.manifest(siteConfig.site.base));
    },
  };
}

type NoExternal = NonNullable<NonNullable<UserConfig['vite']>['ssr']>['noExternal'];

/** Vite's `ssr.noExternal` is a list, one entry, or `true` (everything): keep the site's and add ours. */
function mergeList(site: NoExternal, ours: NoExternal): NoExternal {
  if (site === true) return true;
  const list = (value: NoExternal) => (value === undefined || value === true ? [] : Array.isArray(value) ? value : [value]);
  return [...list(site), ...list(ours)];
}
