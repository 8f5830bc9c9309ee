import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runInNewContext} from 'node:vm';
import {after, describe, it} from 'node:test';
import webpack from 'webpack';
import {chunkTreatment, esbuildMinify, SandboxChunksMinifier, type Minify} from '../webpack.js';

describe('sandbox chunk minification', () => {
  it('treats only chunks loaded by nothing but the sandbox lazy imports', () => {
    const xterm = ['/site/node_modules/@xterm/xterm/lib/xterm.js', '/site/node_modules/@xterm/addon-fit/lib/addon-fit.js'];
    const editor = ['/site/node_modules/@codemirror/view/dist/index.js', '/pkg/dist/theme/SandboxEditor/codemirror.js'];
    assert.equal(chunkTreatment(['sandbox-xterm'], xterm), 'preminified');
    assert.equal(chunkTreatment(['sandbox-editor'], editor), 'esbuild');
    assert.equal(chunkTreatment(['sandbox-xterm', 'sandbox-editor'], [...xterm, ...editor]), 'esbuild');
    assert.equal(chunkTreatment(['sandbox-xterm', 'main'], xterm), 'site', 'shared with a site chunk group');
    assert.equal(chunkTreatment(['sandbox-editor', null], editor), 'site', 'shared with an unnamed group');
    assert.equal(chunkTreatment([], xterm), 'site');
    assert.equal(chunkTreatment(['main'], editor), 'site');
  });

  it('esbuild writes ASCII, no comments, and none of the ES2019+ forms the minifier would introduce', async () => {
    const code = await esbuildMinify('/* keep? */ var a = b != null ? b : c; var d = e == null ? void 0 : e.f; g || (g = 1); try { h(); } catch (error) {} var s = "é→";');
    assert.doesNotMatch(code, /keep\?|\?\?|\?\.|\|\|=|catch\s*\{/);
    assert.match(code, /catch\(\w+\)/);
    assert.match(code, /\\xE9|\\u00E9/i);
    assert.equal(/[^\x00-\x7f]/.test(code), false);
  });

  describe('in a real webpack production build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-webpack-'));
    after(() => rmSync(dir, {recursive: true, force: true}));
    writeFileSync(join(dir, 'entry.js'), [
      'globalThis.loaded = Promise.all([',
      '  import(/* webpackChunkName: "sandbox-editor" */ "./editor.js"),',
      '  import(/* webpackChunkName: "other" */ "./other.js"),',
      ']).then(([e, o]) => e.answer() + o.answer());',
    ].join('\n'));
    const body = (name: string, value: number) =>
      `/* a comment only an unminified ${name} keeps */\nexport function answer() {\n  const longLocalName = ${value};\n  return longLocalName;\n}\n`;
    writeFileSync(join(dir, 'editor.js'), body('editor', 40));
    writeFileSync(join(dir, 'other.js'), body('other', 2));

    async function compile(minify: Minify, mode: 'production' | 'development' = 'production'): Promise<{files: Map<string, string>; warnings: string[]}> {
      const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
      let warnings: string[] = [];
      // devtool and minimize are left to webpack's defaults for the mode, as a site's own config may.
      const compiler = webpack({
        mode,
        context: dir,
        entry: './entry.js',
        target: 'web',
        output: {path: out, filename: '[name].js', chunkFilename: '[name].js'},
        plugins: [new SandboxChunksMinifier({minify})],
      });
      await new Promise<void>((resolve, reject) =>
        compiler.run((error, stats) => {
          compiler.close(() => undefined);
          if (error) reject(error);
          else if (stats?.hasErrors()) reject(new Error(stats.toString('errors-only')));
          else {
            warnings = stats?.compilation.warnings.map((warning) => warning.message) ?? [];
            resolve();
          }
        }),
      );
      return {files: new Map(readdirSync(out).map((file) => [file, readFileSync(join(out, file), 'utf8')])), warnings};
    }

    it('minifies the sandbox chunk with esbuild, leaves the others to terser, and the output runs', async () => {
      const seen: string[] = [];
      const {files} = await compile(async (code) => {
        seen.push(code);
        return esbuildMinify(code);
      });
      assert.equal(seen.length, 1, 'exactly one chunk went through esbuild');
      assert.match(seen[0]!, /unminified editor/);
      assert.doesNotMatch(files.get('sandbox-editor.js')!, /unminified|longLocalName/);
      assert.doesNotMatch(files.get('other.js')!, /unminified|longLocalName/, 'terser still minified the site chunk');
      // Run the bundle: the lazy chunks load through webpack's JSONP runtime,
      // which appends a <script>; this minimal document runs it and fires onload.
      const context: Record<string, unknown> = {setTimeout, clearTimeout};
      const script = () => {
        const element = {
          onload: undefined as ((event: {type: string}) => void) | undefined,
          setAttribute: () => undefined,
          set src(url: string) {
            queueMicrotask(() => {
              runInNewContext(files.get(url.split('/').pop()!)!, context);
              element.onload?.({type: 'load'});
            });
          },
        };
        return element;
      };
      const document = {
        baseURI: 'http://site/',
        currentScript: {src: 'http://site/main.js', tagName: 'SCRIPT'},
        getElementsByTagName: () => [],
        createElement: script,
        head: {appendChild: () => undefined},
      };
      Object.assign(context, {self: context, globalThis: context, document});
      runInNewContext(files.get('main.js')!, context);
      assert.equal(await (context.loaded as Promise<number>), 42);
    });

    it('a failing esbuild leaves the chunk to terser with a warning, not a failed build', async () => {
      const {files, warnings} = await compile(async () => {
        throw new Error('boom');
      });
      assert.doesNotMatch(files.get('sandbox-editor.js')!, /unminified|longLocalName/);
      assert.ok(warnings.some((warning) => /esbuild could not minify sandbox-editor\.js \(Error: boom\)/.test(warning)), warnings.join('\n'));
    });

    it('a development build (webpack defaults: no minimizing, eval source maps) is left alone', async () => {
      let called = false;
      const {files} = await compile(async (code) => {
        called = true;
        return code;
      }, 'development');
      assert.equal(called, false);
      assert.match(files.get('sandbox-editor.js')!, /unminified editor/);
    });
  });
});
