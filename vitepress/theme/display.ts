/**
 * The `display` prop (line numbers and highlighted lines of each file, as
 * the markdown-it plugin writes it) read back, and a file's lines as the
 * component shows them.
 */
export interface FileDisplay {
  showLineNumbers?: number;
  highlightLines?: string;
}

/** By path; undefined without a prop. Only the shape is checked: a bad entry is dropped, the page still renders. */
export function parseDisplay(display: string | undefined): Record<string, FileDisplay> | undefined {
  if (display === undefined) return undefined;
  const parsed: unknown = JSON.parse(display);
  const files = typeof parsed === 'object' && parsed !== null ? (parsed as {files?: unknown}).files : undefined;
  if (typeof files !== 'object' || files === null) return undefined;
  const byPath: Record<string, FileDisplay> = {};
  for (const [path, entry] of Object.entries(files)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const {showLineNumbers, highlightLines} = entry as {showLineNumbers?: unknown; highlightLines?: unknown};
    byPath[path] = {
      ...(typeof showLineNumbers === 'number' ? {showLineNumbers} : {}),
      ...(typeof highlightLines === 'string' ? {highlightLines} : {}),
    };
  }
  return byPath;
}

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
