/**
 * The browser side's import rules, read from the source: no import circle in
 * client/ or theme/, the client free of React, Docusaurus and Node (so other
 * integrations can use it), and neither part reaching into the server.
 */
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = [...sourceFiles(join(root, 'client')), ...sourceFiles(join(root, 'theme'))];

/**
 * The specifiers a file imports (static, dynamic and re-exports). A type-only
 * import of `@theme/…` names the declarations in theme-sandbox.d.ts (a
 * component importing its own Props), not a file, so it is left out.
 */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(import\s+type\s[^;]*?)?(?:\bfrom\s+|\bimport\s*\(\s*(?:\/\*.*?\*\/\s*)?|^import\s+)'([^']+)'/gm)]
    .filter((match) => !(match[1] !== undefined && match[2]!.startsWith('@theme/')))
    .map((match) => match[2]!);
}

/** The source file a specifier names, when it is one of ours. */
function target(from: string, specifier: string): string | undefined {
  let base: string | undefined;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else if (specifier === 'docusaurus-sandbox/client') base = join(root, 'client/index');
  else if (specifier.startsWith('@theme/')) base = join(root, 'theme', specifier.slice('@theme/'.length));
  if (base === undefined) return undefined;
  const stem = base.replace(/\.js$/, '');
  return [`${stem}.ts`, `${stem}.tsx`, join(stem, 'index.ts'), join(stem, 'index.tsx')].find((path) => existsSync(path));
}

const graph = new Map(files.map((file) => [file, specifiers(file).flatMap((specifier) => target(file, specifier) ?? [])]));

function findCircle(): string[] | undefined {
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
    if (circle) return circle.map((item) => relative(root, item));
  }
  return undefined;
}

const inside = (file: string, folder: string) => relative(root, file).startsWith(`${folder}/`);

describe('browser import boundaries', () => {
  it('finds the imports it checks', () => {
    assert.ok(files.length > 20, `${files.length} files`);
    assert.ok([...graph.values()].flat().length > 30);
  });

  it('has no import circle in client/ or theme/', () => {
    assert.equal(findCircle(), undefined);
  });

  it('keeps the client free of React, Docusaurus, Node and the server', () => {
    for (const file of files.filter((item) => inside(item, 'client'))) {
      for (const specifier of specifiers(file)) {
        const resolved = target(file, specifier);
        const ours = resolved === undefined ? specifier.startsWith('.') : true;
        if (ours) {
          const where = resolved ? relative(root, resolved) : specifier;
          assert.match(where, /^(client|protocol)\/|^config\/block\.ts$/, `${relative(root, file)} imports ${specifier}`);
        } else {
          assert.fail(`${relative(root, file)} imports the package ${specifier}`);
        }
      }
    }
  });

  it('keeps the theme off Node and the server', () => {
    for (const file of files.filter((item) => inside(item, 'theme'))) {
      for (const specifier of specifiers(file)) {
        assert.doesNotMatch(specifier, /^node:|^(fs|path|child_process|os|net|http)$/, `${relative(root, file)} imports ${specifier}`);
        const resolved = target(file, specifier);
        if (resolved) assert.match(relative(root, resolved), /^(client|theme)\//, `${relative(root, file)} imports ${specifier}`);
        else if (!specifier.endsWith('.css')) assert.doesNotMatch(specifier, /^\.|^docusaurus-sandbox\/(server|config|remark)$|^docusaurus-sandbox$/, `${relative(root, file)} imports ${specifier}`);
      }
    }
  });
});
