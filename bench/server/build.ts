/**
 * Compiles the benchmark's server child (and the server it imports) with tsc,
 * as `npm run build` compiles what ships in dist/. Running it under tsx
 * instead measured a different program: tsx keeps function names by wrapping
 * every named function in a helper that redefines its `name`, which gives
 * each closure a property dictionary of its own (~256 bytes; ~5 KB per
 * session of the heap measured under tsx was this).
 *
 * The output goes under node_modules/.cache so the compiled files resolve the
 * project's dependencies; `dispose()` removes it.
 */
import {execFileSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';

export interface CompiledChild extends Disposable {
  /** The compiled child.ts. */
  readonly path: string;
}

export function compileServerChild(root: string, run: string): CompiledChild {
  const outDir = join(root, 'node_modules', '.cache', 'docusaurus-sandbox-bench', `server-${run}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'bench', 'server', 'tsconfig.child.json'), '--outDir', outDir], {stdio: 'pipe'});
  } catch (error) {
    rmSync(outDir, {recursive: true, force: true});
    const output = (error as {stdout?: Buffer}).stdout?.toString('utf8') ?? '';
    throw new Error(`compiling the server child failed:\n${output.slice(0, 4000)}`, {cause: error});
  }
  return {
    path: join(outDir, 'bench', 'server', 'child.js'),
    [Symbol.dispose]: () => rmSync(outDir, {recursive: true, force: true}),
  };
}
