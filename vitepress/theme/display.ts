/**
 * The `display` prop (line numbers and highlighted lines of each file, as
 * the markdown-it plugin writes it) read back by the client's one reader, and
 * a file's lines as the component shows them.
 */
export {parseDisplay, type FileDisplay} from '../../client/display.js';

/** The line numbers (1-based) a range like "1,3-5" names. */
export function highlightedLines(range: string | undefined): Set<number> {
  const lines = new Set<number>();
  for (const part of range?.split(',') ?? []) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to !== undefined && Number.isInteger(to) ? to : from;
    for (let line = from; line <= last; line += 1) lines.add(line);
  }
  return lines;
}

/** A file's lines as shown: a final newline starts no line (as the build counts them). */
export const shownLines = (content: string) => content.replace(/\r?\n$/, '').split('\n');
