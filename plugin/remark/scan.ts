/**
 * Reads the sandbox blocks of a Markdown/MDX source without compiling it, for
 * the build manifest. Docusaurus skips remark plugins for cached files on a
 * warm build, so the manifest cannot be collected inside the remark plugin;
 * this runs the same transform over a tree parsed the way Docusaurus parses.
 */
import remarkDirective from 'remark-directive';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import {unified} from 'unified';
import {VFile} from 'vfile';
import type {SandboxBlock} from '../../config/block.js';
import type {SandboxConfig} from '../../config/schema.js';
import {SANDBOX, transformSandboxBlocks} from './transform.js';

/** Docusaurus `markdown.format`: 'detect' means MDX for .mdx and CommonMark for the rest. */
export type MarkdownFormat = 'mdx' | 'md' | 'detect';

export interface ScanOptions {
  /** Site-relative POSIX path: the same string the remark plugin hashes. */
  source: string;
  config: SandboxConfig;
  format?: MarkdownFormat;
}

/** Replaces characters by spaces, keeping newlines, so positions do not move. */
const blank = (text: string) => text.replace(/[^\n]/g, ' ');

/**
 * Front matter is YAML, not Markdown; Docusaurus strips it with remark-frontmatter
 * (and an MDX parse may reject it: `{` starts an expression).
 */
export function blankFrontMatter(text: string): string {
  const match = /^---[ \t]*\r?\n[\s\S]*?\r?\n---[ \t]*(?=\r?\n|$)/.exec(text);
  return match ? blank(match[0]) + text.slice(match[0].length) : text;
}

/** Docusaurus reads `<!-- -->` in MDX as comments (mdx1Compat.comments); plain remark-mdx does not. */
export const blankComments = (text: string) => text.replace(/<!--[\s\S]*?-->/g, blank);

function parse(text: string, mdx: boolean) {
  const processor = mdx ? unified().use(remarkParse).use(remarkMdx).use(remarkDirective) : unified().use(remarkParse).use(remarkDirective);
  return processor.parse(text);
}

export function scanMarkdown(text: string, options: ScanOptions): SandboxBlock[] {
  // Most pages have no block; skipping their parse keeps the manifest cheap.
  if (!text.includes(SANDBOX)) return [];
  const format = options.format ?? 'mdx';
  const mdx = format === 'mdx' || (format === 'detect' && options.source.endsWith('.mdx'));
  const body = blankFrontMatter(text);
  let tree;
  if (mdx) {
    try {
      tree = parse(body, true);
    } catch {
      // The page compiled in Docusaurus, so the difference is a construct its
      // own pipeline accepts (comments); retry without it, then as CommonMark.
      try {
        tree = parse(blankComments(body), true);
      } catch {
        tree = parse(body, false);
      }
    }
  } else {
    tree = parse(body, false);
  }
  const file = new VFile({path: options.source, value: body});
  return transformSandboxBlocks(tree, file, {config: options.config, source: options.source});
}
