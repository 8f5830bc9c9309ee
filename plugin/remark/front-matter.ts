/**
 * The page's YAML front matter, as far as the sandbox blocks need it: where it
 * is, and its `sandbox_session` key. Read from the page's text, not from
 * Docusaurus's parsed `file.data.frontMatter`, because the manifest scanner has
 * only the text: both readings must give the same blocks.
 */
import type {Place} from './problems.js';

/** A `---` line, YAML, a `---` line, at the very start of the page (as remark-frontmatter finds it). */
export const FRONT_MATTER = /^---[ \t]*\r?\n[\s\S]*?\r?\n---[ \t]*(?=\r?\n|$)/;

export const SESSION_KEY = 'sandbox_session';

export type FrontMatterSession =
  | {name: string; place: Place}
  /** The key is there but its value is not a one-line text; `problem` says so and names the fix. */
  | {problem: string; place: Place};

/** A top-level key (no indentation) and the rest of its line. */
const SESSION_LINE = new RegExp(`^${SESSION_KEY}[ \\t]*:(.*)$`);

/**
 * The page's `sandbox_session: NAME`, or undefined when it has none. Only the
 * one-line forms are read (plain, 'single' or "double" quoted, with an
 * optional `# comment`): a block scalar or a list is reported, never guessed.
 * The name itself is checked by the caller, like a fence's `session=`.
 */
export function frontMatterSession(text: string | undefined): FrontMatterSession | undefined {
  const match = text === undefined ? null : FRONT_MATTER.exec(text);
  if (!match) return undefined;
  const lines = match[0].split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const found = SESSION_LINE.exec(line);
    if (!found) continue;
    const place = {line: index + 1, column: 1};
    const value = scalar(found[1]!);
    return value === undefined
      ? {problem: `${SESSION_KEY} in the front matter needs a name on the same line, e.g. "${SESSION_KEY}: tour"`, place}
      : {name: value, place};
  }
  return undefined;
}

/** A one-line YAML scalar, or undefined for anything else (empty, a block scalar, a flow list or map). */
function scalar(raw: string): string | undefined {
  const text = raw.trim();
  const single = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(text);
  if (single) return single[1]!.replace(/''/g, "'");
  const double = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(text);
  // A session name has no characters YAML would escape, so `\` is left as written and refused as a name.
  if (double) return double[1]!;
  // In YAML a comment starts at a `#` after whitespace.
  const plain = text.replace(/(^|\s+)#.*$/, '').trim();
  if (plain === '' || /^[|>[{&*!%@`]/.test(plain)) return undefined;
  return plain;
}
