/**
 * The Docusaurus plugin `docusaurus-sandbox`: registers the theme (the
 * `Sandbox` component through the MDXComponents map), publishes where the
 * backend lives, writes the build manifest, and runs the backend under
 * `docusaurus start`. The logic lives in the modules it wires together.
 */
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {LoadContext, Plugin} from '@docusaurus/types';
import type {Compiler} from 'webpack';
import {loadConfig} from '../config/normalize.js';
import {devServerConfig, devSitePort, isDevServer, startDevBackend, type DevBackend} from './dev.js';
import {checkBuiltSite} from './check.js';
import {collectManifest, markdownSources, writeManifest} from './manifest.js';
import {DEFAULT_OPTIONS, type PluginOptions} from './options.js';
import {getDefaultCodeTranslationMessages} from '../theme/translations/index.js';

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
    configureWebpack: (_config, isServer) => (isServer ? {} : {plugins: [new SkipPreminifiedChunks()]}),
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
        await collectManifest({siteDir, sources, config, format}).then(dev.setManifest, () => undefined);
      }
    },
    async postBuild({outDir}) {
      await writeManifest(outDir, await collectManifest({siteDir, sources, config, format}));
      if (options.check) {
        await checkBuiltSite({outDir, siteDir, configFile: existsSync(configPath) ? configPath : undefined, options: options.check});
      }
    },
  };
}

/** Vendor code that its package already ships minified (xterm's `lib/*.js`). */
const PREMINIFIED = /[\\/]node_modules[\\/]@xterm[\\/]/;

/**
 * Marks JS chunks made only of already minified vendor code as minimized, so
 * terser (which skips such assets) does not spend ~9 s of a cold client build
 * re-minifying xterm for a gain of a few hundred bytes (bench/RESULTS.md,
 * "Build overhead"). Chunk names, splitting and lazy loading are unchanged.
 */
class SkipPreminifiedChunks {
  apply(compiler: Compiler): void {
    const name = 'docusaurus-sandbox-skip-preminified';
    compiler.hooks.thisCompilation.tap(name, (compilation) => {
      // Just before terser, which runs at the OPTIMIZE_SIZE stage.
      const stage = compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE_SIZE - 1;
      compilation.hooks.processAssets.tap({name, stage}, () => {
        for (const chunk of compilation.chunks) {
          const modules = compilation.chunkGraph.getChunkModules(chunk);
          if (modules.length === 0 || !modules.every((module) => PREMINIFIED.test(module.nameForCondition() ?? ''))) continue;
          for (const file of chunk.files) {
            if (file.endsWith('.js')) compilation.updateAsset(file, (source) => source, {minimized: true});
          }
        }
      });
    });
  }
}

export {validateOptions} from './options.js';
export type {Options, PluginOptions} from './options.js';
