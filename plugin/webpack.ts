/**
 * Keeps the sandbox's own lazy chunks (xterm on first Run, CodeMirror on first
 * Edit) from dominating a site's client build. Docusaurus minifies every JS
 * asset with terser, which spent ~30 s of a cold 2-core build on these two
 * chunks alone (bench/RESULTS.md, "Build overhead"). Here, just before
 * terser's stage, each chunk loaded only by those lazy imports is either
 * marked as already minimized (xterm ships minified) or minified by esbuild
 * (~50× faster than terser for a few percent more bytes) and then marked, so
 * terser skips it. Every other chunk of the site is left to the site's own
 * minimizer; chunk names, splitting and lazy loading do not change.
 */
import type {Chunk, Compilation, Compiler} from 'webpack';

/** The `webpackChunkName`s of the theme's lazy imports (theme/Sandbox, theme/SandboxEditor). */
export const SANDBOX_CHUNK_GROUPS: ReadonlySet<string> = new Set(['sandbox-xterm', 'sandbox-editor']);

/** Vendor code whose package already ships it minified (xterm's `lib/*.js`). */
const PREMINIFIED = /[\\/]node_modules[\\/]@xterm[\\/]/;

export type ChunkTreatment = 'site' | 'preminified' | 'esbuild';

/**
 * What to do with one chunk: `site` (the site's minimizer, as usual) unless
 * every chunk group that loads it is one of the sandbox's lazy groups; then
 * `preminified` when all its modules are already minified vendor code, else
 * `esbuild`. A chunk shared with any of the site's own groups stays `site`.
 */
export function chunkTreatment(groupNames: readonly (string | null | undefined)[], modulePaths: readonly string[]): ChunkTreatment {
  if (groupNames.length === 0 || !groupNames.every((name) => name != null && SANDBOX_CHUNK_GROUPS.has(name))) return 'site';
  if (modulePaths.length > 0 && modulePaths.every((path) => PREMINIFIED.test(path))) return 'preminified';
  return 'esbuild';
}

export type Minify = (code: string) => Promise<string>;

/**
 * esbuild with the guarantees Docusaurus asks of terser: no comments and ASCII
 * output (its `ascii_only`). The chunks are ES2015+ already (classes, arrow
 * functions; terser keeps them too), but the minifier would also write newer
 * forms for older ones (`catch{}`, `??`, `?.`, `||=`), which older browsers of
 * a site's list may not parse: those rewrites are turned off. Loaded on first
 * use, so a site without minification never loads it.
 */
export const esbuildMinify: Minify = async (code) => {
  const {transform} = await import('esbuild');
  const result = await transform(code, {
    loader: 'js',
    minify: true,
    charset: 'ascii',
    legalComments: 'none',
    supported: {'optional-catch-binding': false, 'nullish-coalescing': false, 'optional-chain': false, 'logical-assignment': false},
  });
  return result.code;
};

function chunkGroupNames(chunk: Chunk): (string | null | undefined)[] {
  return [...chunk.groupsIterable].map((group) => group.name);
}

export interface SandboxChunksOptions {
  minify?: Minify;
}

/** The webpack plugin (client compiler only), added by the Docusaurus plugin's `configureWebpack`. */
export class SandboxChunksMinifier {
  readonly #minify: Minify;

  constructor(options: SandboxChunksOptions = {}) {
    this.#minify = options.minify ?? esbuildMinify;
  }

  apply(compiler: Compiler): void {
    const name = 'docusaurus-sandbox-chunks';
    const {RawSource} = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap(name, (compilation: Compilation) => {
      // Only where the site minifies, and not when it wants source maps: terser
      // keeps those right, and an unminified or mapped build is not the slow
      // path. Read here, not in apply(): webpack fills in its defaults after
      // the plugins are applied.
      if (!compilation.options.optimization.minimize || compilation.options.devtool) return;
      // Just before terser, which runs at the OPTIMIZE_SIZE stage and skips minimized assets.
      const stage = compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE_SIZE - 1;
      compilation.hooks.processAssets.tapPromise({name, stage}, async () => {
        const work: Promise<void>[] = [];
        for (const chunk of compilation.chunks) {
          const modules = compilation.chunkGraph.getChunkModules(chunk).map((module) => module.nameForCondition() ?? '');
          const treatment = chunkTreatment(chunkGroupNames(chunk), modules);
          if (treatment === 'site') continue;
          for (const file of chunk.files) {
            const asset = compilation.getAsset(file);
            if (!file.endsWith('.js') || !asset || asset.info.minimized) continue;
            if (treatment === 'preminified') {
              compilation.updateAsset(file, (source) => source, {minimized: true});
              continue;
            }
            work.push(
              this.#minify(asset.source.source().toString()).then(
                (code) => compilation.updateAsset(file, new RawSource(code), {minimized: true}),
                (error: unknown) => {
                  // Not fatal: terser still minifies the chunk, only slower.
                  compilation.warnings.push(new compiler.webpack.WebpackError(`docusaurus-sandbox: esbuild could not minify ${file} (${String(error)}); left to the site's minimizer`));
                },
              ),
            );
          }
        }
        await Promise.all(work);
      });
    });
  }
}
