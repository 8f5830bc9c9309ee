/**
 * Terminal output made fit for an agent: escape sequences and stray control
 * characters removed (unless `raw`), and a bounded size that says when it cut.
 */
import {readableText} from '../terminal-text.js';

/** Default most characters of output one tool result carries: agents pay for every token. */
export const DEFAULT_OUTPUT_CHARS = 64 * 1024;
/** Highest `maxOutputChars` an agent may ask for. */
export const MAX_OUTPUT_CHARS = 1024 * 1024;

export interface CleanOutput {
  text: string;
  /** Output was left out: by this limit, or earlier by the runner's byte cap. */
  truncated: boolean;
}

/**
 * `raw` keeps the bytes as the terminal got them. Otherwise the text is what a
 * reader sees; a lone escape left by a cut in the middle of a sequence goes too.
 * Over `maxChars`, the start is kept (where a program says what it does) and
 * the cut is marked.
 */
export function cleanOutput(output: string, options: {raw?: boolean; maxChars?: number; alreadyTruncated?: boolean} = {}): CleanOutput {
  const text = options.raw ? output : readableText(output);
  const maxChars = options.maxChars ?? DEFAULT_OUTPUT_CHARS;
  if (text.length <= maxChars) return {text, truncated: options.alreadyTruncated ?? false};
  return {text: text.slice(0, maxChars), truncated: true};
}
