/**
 * The meta grammar of ```sandbox fences and `:::sandbox{...}` directives:
 *
 *   key=value            a value without spaces or quotes
 *   key="with spaces"    double quotes; `\"` is a quote and `\\` a backslash
 *   flag                 a bare key means true (`flag=false` turns it off)
 *   {1,3-5}              lines to highlight, as in Docusaurus code blocks
 *
 * Pairs are separated by whitespace. Parsing knows nothing about which keys
 * exist: that is the option table's job (`options.ts`).
 */

export interface MetaEntry {
  key: string;
  /** `true` for a bare flag, otherwise the (unescaped) text after `=`. */
  value: string | true;
  /** 0-based offset of the key in the meta text, for error messages. */
  offset: number;
  /** The value was written in double quotes (so it may hold spaces). */
  quoted: boolean;
}

/** A meta string that does not follow the grammar; `message` names the fix. */
export class MetaSyntaxError extends Error {
  readonly code = 'invalid-meta';
  override readonly name = 'MetaSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * The key a `{...}` line range is listed under: no written key can look like
 * it, since keys start with a letter. Its value is the text between the braces.
 */
export const LINE_RANGE_KEY = '{}';

const KEY = /[A-Za-z][A-Za-z0-9_-]*/y;
const WHITESPACE = /\s/;

export function parseMeta(meta: string | null | undefined): MetaEntry[] {
  const text = meta ?? '';
  const entries: MetaEntry[] = [];
  const seen = new Set<string>();
  let position = 0;
  while (position < text.length) {
    if (WHITESPACE.test(text[position]!)) {
      position += 1;
      continue;
    }
    const offset = position;
    if (text[position] === '{') {
      let end = position;
      while (end < text.length && !WHITESPACE.test(text[end]!)) end += 1;
      const token = text.slice(position, end);
      if (!token.endsWith('}')) {
        throw new MetaSyntaxError(`the line range "${token}" is not closed; write it without spaces, e.g. {1,3-5}`, offset);
      }
      if (seen.has(LINE_RANGE_KEY)) throw new MetaSyntaxError('the fence has two line ranges; merge them into one, e.g. {1,3-5}', offset);
      seen.add(LINE_RANGE_KEY);
      entries.push({key: LINE_RANGE_KEY, value: token.slice(1, -1), offset, quoted: false});
      position = end;
      continue;
    }
    KEY.lastIndex = position;
    const key = KEY.exec(text)?.[0];
    if (!key) {
      const found = text.slice(position).split(/\s/)[0];
      throw new MetaSyntaxError(
        `cannot read "${found}" in the fence options; write options as key=value, key="value with spaces" or a bare flag`,
        offset,
      );
    }
    position += key.length;
    if (seen.has(key)) {
      throw new MetaSyntaxError(`the option "${key}" is given twice; keep one`, offset);
    }
    seen.add(key);
    if (position >= text.length || WHITESPACE.test(text[position]!)) {
      entries.push({key, value: true, offset, quoted: false});
      continue;
    }
    if (text[position] !== '=') {
      throw new MetaSyntaxError(
        `unexpected "${text[position]}" after the option "${key}"; write ${key}=value or ${key}="value with spaces"`,
        offset,
      );
    }
    position += 1;
    if (text[position] === '"') {
      const {value, end} = readQuoted(text, position, key, offset);
      entries.push({key, value, offset, quoted: true});
      position = end;
      if (position < text.length && !WHITESPACE.test(text[position]!)) {
        throw new MetaSyntaxError(`put a space after the closing quote of "${key}"`, offset);
      }
      continue;
    }
    let end = position;
    while (end < text.length && !WHITESPACE.test(text[end]!)) end += 1;
    const value = text.slice(position, end);
    if (value === '') {
      throw new MetaSyntaxError(`the option "${key}=" has no value; write ${key}=value, or ${key}="" for an empty one`, offset);
    }
    if (value.startsWith("'")) {
      throw new MetaSyntaxError(`the value of "${key}" starts with a single quote; only double quotes group words: ${key}="..."`, offset);
    }
    if (value.includes('"')) {
      throw new MetaSyntaxError(`the value of "${key}" has a stray quote; quote the whole value: ${key}="..."`, offset);
    }
    entries.push({key, value, offset, quoted: false});
    position = end;
  }
  return entries;
}

function readQuoted(text: string, start: number, key: string, offset: number): {value: string; end: number} {
  let value = '';
  let position = start + 1;
  while (position < text.length) {
    const char = text[position]!;
    if (char === '\\' && (text[position + 1] === '"' || text[position + 1] === '\\')) {
      value += text[position + 1];
      position += 2;
    } else if (char === '"') {
      return {value, end: position + 1};
    } else {
      // Other backslashes stay as written: `cmd="printf 'a\n'"` reaches the shell intact.
      value += char;
      position += 1;
    }
  }
  throw new MetaSyntaxError(`the quoted value of "${key}" is not closed; add the closing "`, offset);
}
