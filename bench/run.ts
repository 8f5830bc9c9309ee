/**
 * Benchmark dispatcher: `npm run bench -- <name>` runs bench/<name>/index.ts.
 * Benchmarks are not part of `npm test`; each writes JSON to bench/results/.
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
