/**
 * The `import Sandbox from '@theme/Sandbox'` each page with a block gets, so
 * the page renders its blocks whatever the site's MDXComponents map holds: a
 * site that ejected theme-classic's MDXComponents has no `Sandbox` in it, and
 * MDX then fails with "Expected component `Sandbox` to be defined". A name the
 * page's own ESM binds wins over that map in MDX, so the import decides.
 */
import type {ImportDeclaration, ModuleDeclaration, Program, Statement} from 'estree';
import type {Root, RootContent} from 'mdast';
import type {MdxjsEsm} from 'mdast-util-mdxjs-esm';
import type {Place} from './problems.js';

export const THEME_MODULE = '@theme/Sandbox';

/**
 * The import as an `mdxjsEsm` node. MDX compiles ESM from `data.estree` and
 * silently drops an injected node that has none, so both are set.
 */
export function sandboxImport(name: string): MdxjsEsm {
  const declaration: ImportDeclaration = {
    type: 'ImportDeclaration',
    specifiers: [{type: 'ImportDefaultSpecifier', local: {type: 'Identifier', name}}],
    source: {type: 'Literal', value: THEME_MODULE, raw: `'${THEME_MODULE}'`},
    attributes: [],
  };
  const program: Program = {type: 'Program', sourceType: 'module', body: [declaration]};
  return {type: 'mdxjsEsm', value: `import ${name} from '${THEME_MODULE}';`, data: {estree: program}};
}

type Binding = 'theme-import' | 'other';

/** The names a top-level statement of the page's ESM declares, and whether each is our import. */
function bindings(statement: Statement | ModuleDeclaration): Array<[string, Binding]> {
  if (statement.type === 'ImportDeclaration') {
    const fromTheme = statement.source.value === THEME_MODULE;
    return statement.specifiers.map((specifier) => [
      specifier.local.name,
      fromTheme && specifier.type === 'ImportDefaultSpecifier' ? 'theme-import' : 'other',
    ]);
  }
  const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
  if (!declaration) return [];
  if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') {
    return declaration.id ? [[declaration.id.name, 'other']] : [];
  }
  if (declaration.type === 'VariableDeclaration') {
    return declaration.declarations.flatMap((item): Array<[string, Binding]> => (item.id.type === 'Identifier' ? [[item.id.name, 'other']] : []));
  }
  return [];
}

/** How the page's ESM binds `name`, and where; undefined when it does not. */
function findBinding(tree: Root, name: string): {binding: Binding; place: Place | undefined} | undefined {
  for (const node of tree.children) {
    if (node.type !== 'mdxjsEsm') continue;
    for (const statement of node.data?.estree?.body ?? []) {
      const found = bindings(statement).find(([local]) => local === name);
      if (found) return {binding: found[1], place: node.position?.start};
    }
  }
  return undefined;
}

/** Front matter nodes stay first, where remark-frontmatter put them. */
const isFrontMatter = (node: RootContent) => (node.type as string) === 'yaml' || (node.type as string) === 'toml';

/**
 * Adds the import to a page that has blocks, unless the page already imports
 * it itself. Returns the reason when the page binds the name to something
 * else: its blocks would then render that instead of the sandbox.
 */
export function ensureSandboxImport(tree: Root, name: string): {reason: string; place: Place | undefined} | undefined {
  const existing = findBinding(tree, name);
  if (existing?.binding === 'theme-import') return undefined;
  if (existing) {
    return {
      reason: `this page declares its own "${name}", the name its sandbox blocks render as; rename yours, or make it import ${name} from '${THEME_MODULE}'`,
      place: existing.place,
    };
  }
  let at = 0;
  while (at < tree.children.length && isFrontMatter(tree.children[at]!)) at += 1;
  tree.children.splice(at, 0, sandboxImport(name));
  return undefined;
}
