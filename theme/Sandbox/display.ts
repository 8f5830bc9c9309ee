/**
 * The `display` prop of `<Sandbox>` (Docusaurus's own code-block options of
 * each file, written by the remark plugin as a JSON string) read back.
 */
import type {Props} from '@theme/Sandbox/Files';

export type FileDisplayByPath = NonNullable<Props['display']>;

/**
 * The display options by file path, or undefined when the block has none. The
 * prop comes from the site's own build, so only its shape is checked: an entry
 * that is not an object is dropped instead of breaking the page.
 */
export function parseDisplay(display: string | undefined): FileDisplayByPath | undefined {
  if (display === undefined) return undefined;
  const parsed: unknown = JSON.parse(display);
  const files = typeof parsed === 'object' && parsed !== null ? (parsed as {files?: unknown}).files : undefined;
  if (typeof files !== 'object' || files === null) return undefined;
  const byPath: Record<string, {showLineNumbers?: number; highlightLines?: string}> = {};
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
