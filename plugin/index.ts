// A site whose TypeScript sees the plugin's types also sees `@theme/Sandbox` and its parts (as importing
// @docusaurus/theme-classic's types brings its `@theme/*` declarations); `preserve` keeps the line in the .d.ts.
/// <reference types="docusaurus-sandbox/theme" preserve="true" />
/**
 * The Docusaurus plugin `docusaurus-sandbox`: registers the theme (the
 * `Sandbox` component through the MDXComponents map), publishes where the
 * backend lives, writes the build manifest, and runs the backend under
 * `docusaurus start`. The logic lives in the modules it wires together.
 */
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {LoadContext, Plugin, SwizzleConfig} from '@docusaurus/types';
import {loadConfig} from '../config/normalize.js';
import {devServerConfig, devSitePort, isDevServer, startDevBackend, type DevBackend} from './dev.js';
import {checkBuiltSite} from './check.js';
import {collectManifest, markdownSources, writeManifest} from './manifest.js';
import {DEFAULT_OPTIONS, type PluginOptions} from './options.js';
import {SandboxChunksMinifier} from './webpack.js';
import {getDefaultCodeTranslationMessages} from '../client/translations/index.js';

export default function pluginSandbox(context: LoadContext, options: PluginOptions): Plugin {
  const {siteDir} = context;
  const configPath = resolve(siteDir, options.configFile);
  const config = loadConfig({file: configPath, optionalFile: options.configFile === DEFAULT_OPTIONS.configFile});
  const format = context.siteConfig.markdown?.format ?? 'mdx';
  let sources: string[] = [];
  let dev: DevBackend | undefined;
  if (!options.serverUrl && isDevServer(process.env, process.argv)) {
    dev = startDevBackend(devServerConfig(config, devSitePort(process.env, process.argv), options.devServer.port), console.warn);
  }
  return {
    name: 'docusaurus-sandbox',
    // Shipped theme files must be compiled JS: dist/plugin/index.js → dist/theme.
    getThemePath: () => fileURLToPath(new URL('../theme', import.meta.url)),
    getTypeScriptThemePath: () => fileURLToPath(new URL('../../theme', import.meta.url)),
    getPathsToWatch: () => [configPath],
    configureWebpack: (_config, isServer) => (isServer ? {} : {plugins: [new SandboxChunksMinifier()]}),
    async contentLoaded({actions}) {
      actions.setGlobalData({
        serverUrl: options.serverUrl || ((await dev?.url) ?? ''),
        recordedOnly: options.recordedOnly,
      });
    },
    getDefaultCodeTranslationMessages: async () => getDefaultCodeTranslationMessages(context.i18n.currentLocale),
    async allContentLoaded({allContent}) {
      sources = markdownSources(allContent);
      if (dev) {
        // In dev a bad fence is reported by the MDX compilation in the page; the manifest just skips ahead.
        await collectManifest({siteDir, sources, config, format, baseUrl: context.baseUrl}).then(dev.setManifest, () => undefined);
      }
    },
    async postBuild({outDir}) {
      await writeManifest(outDir, await collectManifest({siteDir, sources, config, format, baseUrl: context.baseUrl}));
      if (options.check) {
        await checkBuiltSite({outDir, siteDir, configFile: existsSync(configPath) ? configPath : undefined, options: options.check});
      }
    },
  };
}

type Action = 'safe' | 'unsafe' | 'forbidden';

/**
 * What `docusaurus swizzle docusaurus-sandbox` offers. Safe: the part's Props
 * (theme-sandbox.d.ts) are the contract and are kept stable. Unsafe: it holds
 * wiring that changes with the client. Forbidden: not a component to wrap.
 */
export function getSwizzleConfig(): SwizzleConfig {
  const part = (wrap: Action, eject: Action, description: string) => ({actions: {wrap, eject}, description});
  return {
    components: {
      Sandbox: part('safe', 'unsafe', 'A runnable block: its files, toolbar, status line and terminal'),
      'Sandbox/Files': part('safe', 'safe', "The block's files as code blocks (tabs), or editors while editing"),
      'Sandbox/Toolbar': part('safe', 'safe', 'Run, Stop, Edit and Reset'),
      'Sandbox/StatusLine': part('safe', 'safe', 'What the sandbox is doing, for everyone and for screen readers'),
      'Sandbox/StatusLine/statusText': part('forbidden', 'unsafe', "The status line's translated texts, one translate() call per status"),
      'Sandbox/StepBar': part('safe', 'safe', 'On a step of a multi-step tutorial: Step N of M, the shared environment and Reset environment'),
      'Sandbox/StepOffer': part('safe', 'safe', 'On a step: the choice to run the earlier steps first or this one only, and the note after a catch-up'),
      'Sandbox/Share': part('safe', 'safe', 'While a session is live: the Share buttons (can watch, can type), who watches, and Stop sharing'),
      'Sandbox/Viewer': part('safe', 'safe', 'A session shared by link: the banner and the live terminal, without Run or Edit'),
      'Sandbox/TerminalArea': part('safe', 'unsafe', 'The terminal, the key bar and the screen reader toggle'),
      'Sandbox/useSandboxRunner': part('forbidden', 'unsafe', "A hook binding the client's SandboxRunner to the component"),
      'Sandbox/display': part('forbidden', 'unsafe', "Reads the files' display options (line numbers, highlighted lines) the remark plugin passes"),
      'Sandbox/useEdits': part('forbidden', 'unsafe', "A hook keeping the reader's edits in the browser's storage"),
      'Sandbox/usePageEnvironment': part('forbidden', 'unsafe', "A hook attaching a step to its page session's shared environment"),
      SandboxEditor: part('safe', 'unsafe', 'The CodeMirror editor of one file, loaded on first Edit'),
      'SandboxEditor/codemirror': part('forbidden', 'unsafe', 'The lazily loaded CodeMirror chunk'),
      SandboxKeyBar: part('safe', 'safe', 'Esc, Tab, Ctrl-C and arrows on touch devices'),
      SandboxAuth: part('forbidden', 'safe', 'Returns the bearer token for jwt auth mode: eject it to sign readers in'),
      SandboxTerminal: part('forbidden', 'unsafe', 'The lazily loaded xterm.js chunk and its colours'),
      'SandboxTerminal/xterm': part('forbidden', 'unsafe', 'Creates the xterm.js terminal'),
      'SandboxTerminal/rows': part('forbidden', 'unsafe', 'How many rows of the terminal the page shows: from a few up to all, as the output grows'),
      'SandboxTerminal/themes': part('forbidden', 'unsafe', "The terminal's light and dark colours"),
      MDXComponents: part('forbidden', 'forbidden', 'Registers <Sandbox> for MDX pages; swizzle the classic theme MDXComponents instead'),
    },
  };
}

export {validateOptions} from './options.js';
export type {Options, PluginOptions} from './options.js';
