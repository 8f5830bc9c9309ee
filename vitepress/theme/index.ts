/**
 * `docusaurus-sandbox/vitepress/theme`: `enhanceAppWithSandbox(ctx)`, called
 * from a site's `.vitepress/theme/index.ts` `enhanceApp`, registers the
 * `Sandbox` component (which the markdown-it plugin's elements name) and its
 * styles, and hands it the site's settings: the backend's address from
 * `withSandbox`'s site data module, VitePress's language and dark mode.
 */
import type {EnhanceAppContext} from 'vitepress';
import {useData} from 'vitepress';
import siteData from 'virtual:docusaurus-sandbox/site-data';
import {SANDBOX_CONTEXT} from './context.js';
import {Sandbox} from './Sandbox.js';
import './styles.css';

export {Sandbox} from './Sandbox.js';
export {SANDBOX_CONTEXT, type SandboxSiteContext} from './context.js';

export interface EnhanceOptions {
  /** The bearer token for POST /api/sessions when the server's auth mode is jwt. */
  getAuthToken?: () => Promise<string | undefined>;
}

export function enhanceAppWithSandbox(ctx: EnhanceAppContext, options: EnhanceOptions = {}): void {
  ctx.app.provide(SANDBOX_CONTEXT, {
    serverUrl: siteData.serverUrl,
    recordedOnly: siteData.recordedOnly,
    base: ctx.siteData.value.base,
    useLang: () => useData().lang,
    useDark: () => useData().isDark,
    getAuthToken: options.getAuthToken,
  });
  ctx.app.component('Sandbox', Sandbox);
}
