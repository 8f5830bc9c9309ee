/**
 * Reads the sandbox blocks of a Markdown/MDX source without compiling it, for
 * the build manifest. Docusaurus skips remark plugins for cached files on a
 * warm build, so the manifest cannot be collected inside the remark plugin;
 * this runs the same transform over a tree parsed the way Docusaurus parses.
 */
import type {Root} from 'mdast';
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {VFile} from 'vfile';
import type {SandboxBlock} from '../../config/block.js';
import type {SandboxConfig} from '../../config/schema.js';
import {FRONT_MATTER} from './front-matter.js';
import {SANDBOX, transformSandboxPage, type SandboxPage} from './transform.js';

/** Docusaurus `markdown.format`: 'detect' means MDX for .mdx and CommonMark for the rest. */
export type MarkdownFormat = 'mdx' | 'md' | 'detect';

export interface ScanOptions {
  /** Site-relative POSIX path: the same string the remark plugin hashes. */
  source: string;
  config: SandboxConfig;
  format?: MarkdownFormat;
  /**
   * Called when an MDX page does not parse (`parseMdxPage`'s error); its
   * blocks are then read as CommonMark, which misses fences indented in JSX.
   */
  onUnreadable?: (error: Error) => void;
}

/** Replaces characters by spaces, keeping newlines, so positions do not move. */
const blank = (text: string) => text.replace(/[^\n]/g, ' ');

/**
 * Front matter is YAML, not Markdown; Docusaurus strips it with remark-frontmatter
 * (and an MDX parse may reject it: `{` starts an expression).
 */
export function blankFrontMatter(text: string): string {
  const match = FRONT_MATTER.exec(text);
  return match ? blank(match[0]) + text.slice(match[0].length) : text;
}

/** Docusaurus reads `<!-- -->` in MDX as comments (mdx1Compat.comments); plain remark-mdx does not. */
export const blankComments = (text: string) => text.replace(/<!--[\s\S]*?-->/g, blank);

/** A line that starts with 1 to 6 `#`, as Docusaurus finds heading lines (code blocks included). */
const HEADING_LINE = /(^|\n)(#{1,6}(?!#).*)/g;

/**
 * Docusaurus's `mdx1Compat.headingIds` (on by default, off under `future.v4`
 * unless set): before MDX reads a page, the first `{#` of every line that
 * starts with `#` gets a backslash, so `## Setup {#setup}` is a heading with a
 * custom id instead of a JS expression that remark-mdx rejects. Docusaurus
 * (`escapeMarkdownHeadingIds` in @docusaurus/utils) does it on the raw text,
 * code blocks included, so a code line like `# ${#name}` renders as
 * `# $\{#name}`; escaping instead of blanking keeps that content, and the id
 * hashed from it, equal to the rendered block's. Only lines that start with
 * `#` change, by one column after their first `{#`, as in Docusaurus's own
 * compile; no line moves.
 */
export const escapeHeadingIds = (text: string) =>
  text.replace(HEADING_LINE, (_match, start: string, line: string) => {
    const at = line.indexOf('{#');
    return at < 0 || line[at - 1] === '\\' ? start + line : `${start}${line.slice(0, at)}\\${line.slice(at)}`;
  });

/**
 * The readings of a page tried in turn until one parses as MDX: as written,
 * then with what Docusaurus's MDX 1 compatibility accepts. Each change is made
 * only when the page needs it, because with that option off Docusaurus leaves
 * the text as it is (and a page that needs it does not compile without it).
 */
const MDX_READINGS: ((body: string) => string)[] = [
  (body) => body,
  escapeHeadingIds,
  blankComments,
  (body) => blankComments(escapeHeadingIds(body)),
];

export interface ParsedPage {
  tree: Root;
  /** The text that was parsed: positions and offsets of the tree point into it. */
  text: string;
}

/**
 * Parses a page as MDX the way Docusaurus reads it, as far as remark-mdx can:
 * front matter blanked, and heading ids and comments read as Docusaurus reads
 * them. The block scan and the manifest's import scan both read pages through
 * it. Throws, with `source:line:column`, when no reading parses.
 */
export function parseMdxPage(text: string, source: string): ParsedPage {
  const body = blankFrontMatter(text);
  let failure: unknown;
  for (const read of MDX_READINGS) {
    const readable = read(body);
    try {
      return {tree: parse(readable, true), text: readable};
    } catch (error) {
      failure = error;
    }
  }
  throw new Error(`${source}${place(failure)}: ${failure instanceof Error ? failure.message : String(failure)}`, {cause: failure});
}

/** `:line:column` of a parse error (a VFileMessage), or '' without one. */
function place(error: unknown): string {
  const {line, column} = (typeof error === 'object' && error !== null ? error : {}) as {line?: unknown; column?: unknown};
  if (typeof line !== 'number') return '';
  return typeof column === 'number' ? `:${line}:${column}` : `:${line}`;
}

function parse(text: string, mdx: boolean): Root {
  const processor = mdx ? unified().use(remarkParse).use(remarkMdx).use(remarkDirective) : unified().use(remarkParse).use(remarkDirective);
  return processor.parse(text);
}

/** `scanPage`'s blocks. */
export function scanMarkdown(text: string, options: ScanOptions): SandboxBlock[] {
  return scanPage(text, options).blocks;
}

/** The blocks and page sessions of a page, as the remark plugin finds them when it compiles the page. */
export function scanPage(text: string, options: ScanOptions): SandboxPage {
  // Most pages have no block; skipping their parse keeps the manifest cheap.
  if (!text.includes(SANDBOX)) return {blocks: [], sessions: []};
  const format = options.format ?? 'mdx';
  const mdx = format === 'mdx' || (format === 'detect' && options.source.endsWith('.mdx'));
  let page: ParsedPage | undefined;
  if (mdx) {
    try {
      page = parseMdxPage(text, options.source);
    } catch (error) {
      // Read as CommonMark, most blocks are still found; the caller says the rest may not be.
      options.onUnreadable?.(error as Error);
    }
  }
  if (!page) {
    const body = blankFrontMatter(text);
    page = {tree: parse(body, false), text: body};
  }
  const file = new VFile({path: options.source, value: page.text});
  // The parsed text has its front matter blanked; the page's `sandbox_session` is read from the page as written.
  return transformSandboxPage(page.tree, file, {config: options.config, source: options.source, pageText: text});
}
