/**
 * The build manifest (`sandbox-manifest.json`): every block of every Markdown
 * source the content plugins loaded, and of the Markdown partials those
 * sources import. It is computed by scanning the sources, not by collecting
 * from the remark plugin, because a warm build skips remark for cached files
 * and every file is compiled twice (server and client).
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';
import {MANIFEST_FILE, MANIFEST_VERSION, type PageSession, type SandboxBlock, type SandboxManifest} from '../config/block.js';
import type {SandboxConfig} from '../config/schema.js';
import {sourcePath} from './remark/config.js';
import {parseMdxPage, scanPage, type MarkdownFormat} from './remark/scan.js';
import type {SandboxPage} from './remark/transform.js';

const MARKDOWN = /\.mdx?$/i;

type Loaded = Record<string, Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const sourceOf = (value: unknown): string | undefined =>
  isRecord(value) && typeof value.source === 'string' && MARKDOWN.test(value.source) ? value.source : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The Markdown sources (`@site/...` or absolute) of every docs version, blog
 * and pages instance. Each locale is its own build, so the current locale's
 * sources (translated files included) are what `allContent` holds.
 */
export function markdownSources(allContent: Loaded): string[] {
  const sources = new Set<string>();
  const add = (value: unknown) => {
    const source = sourceOf(value);
    if (source) sources.add(source);
  };
  for (const content of Object.values(allContent['docusaurus-plugin-content-docs'] ?? {})) {
    for (const version of list(isRecord(content) ? content.loadedVersions : undefined)) {
      for (const doc of list(isRecord(version) ? version.docs : undefined)) add(doc);
    }
  }
  for (const content of Object.values(allContent['docusaurus-plugin-content-blog'] ?? {})) {
    for (const post of list(isRecord(content) ? content.blogPosts : undefined)) add(isRecord(post) ? post.metadata : undefined);
  }
  for (const content of Object.values(allContent['docusaurus-plugin-content-pages'] ?? {})) {
    for (const page of list(content)) add(page);
  }
  return [...sources].sort();
}

/** `@site/docs/x.md` → `<siteDir>/docs/x.md`. */
export function resolveSiteSource(source: string, siteDir: string): string {
  return source.startsWith('@site/') ? join(siteDir, source.slice('@site/'.length)) : source;
}

export interface ManifestInput {
  siteDir: string;
  sources: string[];
  config: SandboxConfig;
  format?: MarkdownFormat;
  /** Where a page the manifest cannot read is reported; the build goes on. Defaults to console.warn. */
  warn?: (message: string) => void;
  /**
   * The build's `baseUrl` (Docusaurus's `context.baseUrl`, the locale's), written
   * into the manifest so `serve` serves the site and the API under it.
   */
  baseUrl?: string | undefined;
}

/**
 * What the author is told when a page does not parse here. A page Docusaurus
 * compiles but this reader cannot parse is a gap in the reader, not an
 * authoring error, so it is a warning rather than a failed build; it names the
 * place and what may be missing from the manifest.
 */
export const unreadablePageWarning = (error: Error) =>
  `[docusaurus-sandbox] ${error.message}; the manifest could not read this page as MDX, so blocks in it or in the Markdown files it imports may be missing from ${MANIFEST_FILE} (Run fails for them with unknown-block on a server). Please report the construct at this place.`;

/**
 * Reads the sources and, transitively, the Markdown partials they import.
 * Docusaurus routes no `_*.mdx` file, but the mdx-loader compiles an imported
 * one with the importing content plugin's remark plugins, so its blocks render
 * runnable with ids hashed from the partial's own path.
 */
export async function collectManifest(input: ManifestInput): Promise<SandboxManifest> {
  const format = input.format ?? 'mdx';
  const warn = input.warn ?? console.warn;
  // The import scan and the block scan may both fail on a page: one warning per page.
  const warned = new Set<string>();
  const onUnreadable = (source: string, error: Error) => {
    if (warned.has(source)) return;
    warned.add(source);
    warn(unreadablePageWarning(error));
  };
  const imports = (text: string, source: string) => {
    try {
      return markdownImports(text, source, format);
    } catch (error) {
      onUnreadable(source, error as Error);
      return [];
    }
  };
  const files: {source: string; text: string}[] = [];
  const seen = new Set<string>();
  let next = input.sources.map((aliased) => resolveSiteSource(aliased, input.siteDir));
  while (next.length > 0) {
    const fresh = [...new Set(next)].filter((path) => !seen.has(path));
    fresh.forEach((path) => seen.add(path));
    const read = await Promise.all(
      fresh.map(async (path) => ({path, source: sourcePath(input.siteDir, path), text: await readFile(path, 'utf8')})),
    );
    files.push(...read.map(({source, text}) => ({source, text})));
    next = read.flatMap(({path, source, text}) =>
      imports(text, source).flatMap((specifier) => partialPath(specifier, path, input.siteDir) ?? []),
    );
  }
  const manifest = manifestOf(files, input.config, {format: input.format, onUnreadable});
  return input.baseUrl ? {...manifest, baseUrl: input.baseUrl} : manifest;
}

/** A cheap test before parsing: most pages import no Markdown file. */
const MARKDOWN_IMPORT = /\.mdx?['"]/i;

/**
 * The module specifiers of a source's `import ... from` and `export ... from`
 * statements. Only MDX has them; a parse reads them the way the mdx-loader
 * does, so an import shown inside a code block is not taken for one. Throws,
 * with the place, when the page does not parse (see `parseMdxPage`).
 */
export function markdownImports(text: string, source: string, format: MarkdownFormat): string[] {
  const mdx = format === 'mdx' || (format === 'detect' && source.endsWith('.mdx'));
  if (!mdx || !MARKDOWN_IMPORT.test(text)) return [];
  const {children} = parseMdxPage(text, source).tree;
  // MDX allows ESM only at the top level of a document.
  return children.flatMap((node) => {
    const program = isRecord(node) && node.type === 'mdxjsEsm' && isRecord(node.data) ? node.data.estree : undefined;
    return list(isRecord(program) ? program.body : undefined).flatMap((statement) => {
      const from = isRecord(statement) && MODULE_STATEMENTS.has(String(statement.type)) ? statement.source : undefined;
      return isRecord(from) && typeof from.value === 'string' ? [from.value] : [];
    });
  });
}

const MODULE_STATEMENTS = new Set(['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration']);

/**
 * The file an import specifier names, when webpack would compile it with the
 * mdx-loader: a relative or `@site/` path to a .md/.mdx file. Other aliases are
 * not known here, and an inline loader (`!!raw-loader!./x.md`) yields text,
 * not rendered blocks.
 */
export function partialPath(specifier: string, importer: string, siteDir: string): string | undefined {
  if (specifier.includes('!') || !MARKDOWN.test(specifier)) return undefined;
  if (specifier.startsWith('./') || specifier.startsWith('../')) return resolve(dirname(importer), specifier);
  if (specifier.startsWith('@site/')) return resolveSiteSource(specifier, siteDir);
  return undefined;
}

export interface ManifestOptions {
  format?: MarkdownFormat;
  /** Told about a page that does not parse as MDX (its blocks are then read as CommonMark). */
  onUnreadable?: (source: string, error: Error) => void;
}

/** Pure: the manifest of already-read sources (see `manifestOfPages`). */
export function manifestOf(files: {source: string; text: string}[], config: SandboxConfig, options: ManifestOptions = {}): SandboxManifest {
  const {format, onUnreadable} = options;
  return manifestOfPages(
    files.map(({source, text}) => scanPage(text, {source, config, format, onUnreadable: (error: Error) => onUnreadable?.(source, error)})),
  );
}

/**
 * Pure: the manifest of pages whose blocks are already found (by the scan
 * above, or by the markdown-it plugin while VitePress renders them), blocks
 * and page sessions each deduplicated by id and sorted so every build writes
 * the same bytes. A manifest without page sessions has no `sessions` at all,
 * as before they existed.
 */
export function manifestOfPages(pages: Iterable<SandboxPage>): SandboxManifest {
  const byId = new Map<string, SandboxBlock>();
  const sessionsById = new Map<string, PageSession>();
  for (const page of pages) {
    for (const block of page.blocks) byId.set(block.id, block);
    for (const session of page.sessions) sessionsById.set(session.id, session);
  }
  const blocks = [...byId.values()].sort(
    (a, b) => compare(a.source, b.source) || a.line - b.line || compare(a.id, b.id),
  );
  const firstLine = (session: PageSession) => byId.get(session.blocks[0]!)?.line ?? 0;
  const sessions = [...sessionsById.values()].sort(
    (a, b) => compare(a.source, b.source) || firstLine(a) - firstLine(b) || compare(a.id, b.id),
  );
  return {version: MANIFEST_VERSION, blocks, ...(sessions.length > 0 ? {sessions} : {})};
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const serializeManifest = (manifest: SandboxManifest) => `${JSON.stringify(manifest, null, 2)}\n`;

export async function writeManifest(outDir: string, manifest: SandboxManifest): Promise<string> {
  await mkdir(outDir, {recursive: true});
  const path = join(outDir, MANIFEST_FILE);
  await writeFile(path, serializeManifest(manifest));
  return path;
}
