/**
 * The package's own import graph, read from the source: which of our files
 * each file imports (static, dynamic and re-exports). Used by the tests that
 * pin the architecture's rules (no circle, which part may use which).
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The .ts/.tsx sources under `folder` (relative to the root), tests and declarations left out. */
export function sourceFiles(folder: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === '__tests__' || entry.name === '__fixtures__' ? [] : walk(path);
      return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
  return walk(join(repositoryRoot, folder));
}

export interface ImportSpecifier {
  specifier: string;
  /** `import type …` / `export type …`: erased at compile time. */
  typeOnly: boolean;
}

/** The source without its comments, so an import written in a comment does not count. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function importSpecifiers(file: string): ImportSpecifier[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  return [...text.matchAll(/((?:import|export)\s+type\s[^;]*?)?(?:\bfrom\s+|\bimport\s*\(\s*(?:\/\*.*?\*\/\s*)?|^import\s+)'([^']+)'/gm)].map(
    (match) => ({specifier: match[2]!, typeOnly: match[1] !== undefined}),
  );
}

/** The package's own public entry points, by the file each one names. */
const SELF_ENTRIES: Record<string, string> = {
  'docusaurus-sandbox': 'plugin/index',
  'docusaurus-sandbox/remark': 'plugin/remark/index',
  'docusaurus-sandbox/server': 'server/index',
  'docusaurus-sandbox/config': 'config/index',
  'docusaurus-sandbox/protocol': 'protocol/index',
  'docusaurus-sandbox/client': 'client/index',
};

/** The source file a specifier names, when it is one of ours. */
export function resolveOwn(from: string, specifier: string): string | undefined {
  let base: string | undefined;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else if (SELF_ENTRIES[specifier]) base = join(repositoryRoot, SELF_ENTRIES[specifier]);
  else if (specifier.startsWith('@theme/')) base = join(repositoryRoot, 'theme', specifier.slice('@theme/'.length));
  if (base === undefined) return undefined;
  const stem = base.replace(/\.js$/, '');
  return [`${stem}.ts`, `${stem}.tsx`, join(stem, 'index.ts'), join(stem, 'index.tsx')].find((path) => existsSync(path));
}

export type ImportGraph = Map<string, string[]>;

/** Each file's imports of our own files; `include` decides which specifiers count. */
export function importGraph(files: string[], include: (entry: ImportSpecifier) => boolean = () => true): ImportGraph {
  return new Map(files.map((file) => [file, importSpecifiers(file).filter(include).flatMap((entry) => resolveOwn(file, entry.specifier) ?? [])]));
}

/** One import circle (root-relative paths, first file repeated at the end), or undefined. */
export function findCircle(graph: ImportGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = path.indexOf(file);
    if (at >= 0) return [...path.slice(at), file];
    if (done.has(file)) return undefined;
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      const circle = visit(next);
      if (circle) return circle;
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const circle = visit(file);
    if (circle) return circle.map((item) => relative(repositoryRoot, item));
  }
  return undefined;
}

export const relativeToRoot = (file: string) => relative(repositoryRoot, file);
