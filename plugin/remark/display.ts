/**
 * The display options of a block's files (`showLineNumbers`, `{1,3-5}`),
 * checked like the rest of the block: an option that would show nothing, or
 * highlight a line the file does not have, stops the build instead of doing
 * nothing on the page.
 */
import type {FileDisplay, SandboxDisplay} from '../../config/block.js';
import {BlockError, type BlockBody, type BlockDraft} from './block.js';
import {LINE_RANGE_KEY} from './meta.js';

/** The highest line a range like "1,3-5" names. */
const lastLine = (range: string) => Math.max(...range.split(/[,-]/).map(Number));

/** Lines as Docusaurus's CodeBlock counts them: a final newline starts no line. */
const lineCount = (content: string) => content.replace(/\r?\n$/, '').split('\n').length;

export function blockDisplay(draft: BlockDraft, body: BlockBody): SandboxDisplay | undefined {
  if (draft.terminalOnly) {
    const named = draft.options.has('showLineNumbers') ? 'showLineNumbers' : draft.options.has(LINE_RANGE_KEY) ? 'a line range' : undefined;
    if (named) throw new BlockError(`a terminal-only block shows no code, so ${named} does nothing; remove it`);
    return undefined;
  }
  const files: Record<string, FileDisplay> = {};
  draft.files.forEach((file, index) => {
    const {path, hidden, content} = body.files[index]!;
    const start = file.options.get('showLineNumbers');
    const range = file.options.get(LINE_RANGE_KEY);
    const display: FileDisplay = {
      ...(typeof start === 'number' ? {showLineNumbers: start} : {}),
      ...(typeof range === 'string' ? {highlightLines: range} : {}),
    };
    if (Object.keys(display).length === 0) return;
    if (hidden) throw new BlockError(`"${path}" is hidden, so its showLineNumbers or line range does nothing; remove them or show the file`, index);
    const lines = lineCount(content);
    if (typeof range === 'string' && lastLine(range) > lines) {
      throw new BlockError(`the line range {${range}} goes past the end of "${path}", which has ${lines} ${lines === 1 ? 'line' : 'lines'}; fix the range`, index);
    }
    files[path] = display;
  });
  return Object.keys(files).length > 0 ? {files} : undefined;
}
