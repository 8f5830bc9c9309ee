/**
 * The `display` prop of a block (the code-block options of each file, line
 * numbers and highlighted lines, as the build's plugin writes them: a JSON
 * string of `{"files": {"<path>": {"showLineNumbers": 1, "highlightLines": "1,3-5"}}}`)
 * read back, for any UI.
 */

/** One file's display options. */
export interface FileDisplay {
  showLineNumbers?: number;
  highlightLines?: string;
}

/**
 * The display options by file path, or undefined when the block has none. The
 * prop comes from the site's own build, so only its shape is checked: an entry
 * that is not an object is dropped instead of breaking the page.
 */
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
