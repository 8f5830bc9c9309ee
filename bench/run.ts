/**
 * Benchmark dispatcher: `npm run bench -- <name> [flags]` runs
 * bench/<name>/index.ts, which reads its own flags from process.argv
 * (e.g. `npm run bench -- server --quick`). Benchmarks are not part of
 * `npm test`; each writes JSON to bench/results/ and records figures in
 * bench/RESULTS.md.
 */
import {existsSync, readdirSync} from 'node:fs';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here, {withFileTypes: true})
  .filter((entry) => entry.isDirectory() && existsSync(`${here}${entry.name}/index.ts`))
  .map((entry) => entry.name)
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}>${name ? ` (unknown: ${name})` : ''}`);
  process.exit(2);
}
await import(pathToFileURL(`${here}${name}/index.ts`).href);
