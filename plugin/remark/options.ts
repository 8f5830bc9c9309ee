/**
 * The option table of sandbox fences and directives. The
 * syntax page of the demo site documents exactly this table; a key not listed
 * here is an error, so a typo never silently does nothing.
 */
import {parseDuration} from '../../config/units.js';
import {LINE_RANGE_KEY, type MetaEntry} from './meta.js';

/** `line-numbers`: a flag, or the number of the first line (`showLineNumbers=10`), as Docusaurus reads it. */
export type OptionType = 'string' | 'boolean' | 'duration' | 'integer' | 'path' | 'line-numbers';

/** Where an option may be written. */
export type OptionScope = 'block' | 'file' | 'both';

export interface OptionSpec {
  type: OptionType;
  scope: OptionScope;
  /** The default, as the syntax page states it. */
  defaultText: string;
  description: string;
}

export const OPTION_TABLE = {
  env: {type: 'string', scope: 'block', defaultText: 'the configured `defaultEnv`', description: 'Environment the block runs in.'},
  file: {type: 'path', scope: 'file', defaultText: "the environment's default file", description: 'Path of the file inside /workspace.'},
  cmd: {type: 'string', scope: 'block', defaultText: "the environment's default command (its shell for a terminal-only block)", description: 'Command that runs the block.'},
  title: {type: 'string', scope: 'block', defaultText: 'none (a single file shows its path)', description: 'Title shown above the block.'},
  lang: {type: 'string', scope: 'file', defaultText: "from the file extension, else the environment's language", description: 'Highlighting language.'},
  editable: {type: 'boolean', scope: 'block', defaultText: 'true', description: 'The reader may edit the files before running.'},
  interactive: {type: 'boolean', scope: 'block', defaultText: 'false (true for a terminal-only block)', description: 'Stay in a shell after `cmd` ends.'},
  timeout: {type: 'duration', scope: 'block', defaultText: "the environment's `limits.timeout`", description: 'Run time limit, e.g. `30s`, `2m`; at most `limits.maxTimeout`.'},
  expect: {type: 'string', scope: 'block', defaultText: 'none', description: 'Text, or `/regex/flags`, the output must contain (checked by `docusaurus-sandbox check`).'},
  exit: {type: 'integer', scope: 'block', defaultText: '0', description: 'Expected exit code (0–255).'},
  input: {type: 'string', scope: 'block', defaultText: 'none', description: 'Scripted terminal input for checking interactive blocks.'},
  'skip-check': {type: 'boolean', scope: 'block', defaultText: 'false', description: '`docusaurus-sandbox check` lists the block as skipped.'},
  session: {
    type: 'string',
    scope: 'block',
    defaultText: "the page's `sandbox_session`, else none",
    description: "Page session (multi-step tutorial) the block is a step of; `none` keeps it out of the page's `sandbox_session`.",
  },
  hidden: {type: 'boolean', scope: 'file', defaultText: 'false', description: 'Seed the file but do not show it. Not secret: it is in the page and the manifest.'},
  readonly: {type: 'boolean', scope: 'file', defaultText: 'false', description: 'Show the file but do not let the reader edit it.'},
  showLineNumbers: {
    type: 'line-numbers',
    scope: 'file',
    defaultText: 'off',
    description: 'Number the lines of the shown code from 1, or from N with `showLineNumbers=N`, as in Docusaurus code blocks.',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTION_TABLE;

/** The options of a fence: the table's, and its `{1,3-5}` line range under LINE_RANGE_KEY. */
export type OptionKey = OptionName | typeof LINE_RANGE_KEY;

/** A typed option value after checking; durations are in ms. */
export type OptionValue = string | boolean | number;

/** An option that is not in the table or whose value does not fit its type. */
export class OptionError extends Error {
  readonly code = 'invalid-option';
  override readonly name = 'OptionError';
}

/** Line numbers and `from-to` ranges, comma-separated: what Docusaurus highlights from `{...}`. */
const LINE_RANGE = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;

const isOptionName = (key: string): key is OptionName => Object.hasOwn(OPTION_TABLE, key);

/**
 * Checks every entry against the table and returns the typed values. `where`
 * says which options are allowed: a single fence takes all of them, a
 * directive the block options, a fence inside a directive the file options.
 */
export function readOptions(entries: MetaEntry[], where: 'fence' | 'directive' | 'directive-file'): Map<OptionKey, OptionValue> {
  const values = new Map<OptionKey, OptionValue>();
  for (const [position, {key, value}] of entries.entries()) {
    if (key === LINE_RANGE_KEY && typeof value === 'string') {
      if (where === 'directive') {
        throw new OptionError(`the line range {${value}} belongs on a fenced code block inside :::sandbox, not on the directive`);
      }
      if (!LINE_RANGE.test(value)) {
        throw new OptionError(`cannot read the line range {${value}}; write line numbers and ranges separated by commas, e.g. {1,3-5}`);
      }
      values.set(LINE_RANGE_KEY, value);
      continue;
    }
    if (!isOptionName(key)) {
      const quoted = quotingHint(entries, position);
      if (quoted) throw new OptionError(`unknown option "${key}"; a value with spaces needs double quotes: write ${quoted}`);
      throw new OptionError(`unknown option "${key}"; the options are ${Object.keys(OPTION_TABLE).join(', ')}`);
    }
    const spec: OptionSpec = OPTION_TABLE[key];
    if (where === 'directive' && spec.scope === 'file') {
      throw new OptionError(`"${key}" belongs on the fenced code blocks inside :::sandbox, not on the directive`);
    }
    if (where === 'directive-file' && spec.scope === 'block') {
      throw new OptionError(`"${key}" belongs on the :::sandbox{...} directive, not on a file inside it`);
    }
    values.set(key, convert(key, spec.type, value));
  }
  return values;
}

/**
 * `title=Hello world` reads as `title=Hello` and a flag `world`. When the
 * unknown key at `position` is such a stray word after an unquoted text value,
 * this returns that value quoted together with the stray words around it
 * (`title="Hello world"`), else undefined.
 */
/** Types whose option may stand alone as a bare word. */
const BARE_TYPES: ReadonlySet<OptionType> = new Set(['boolean', 'line-numbers']);

function quotingHint(entries: readonly MetaEntry[], position: number): string | undefined {
  // A bare word that is not a flag of the table cannot stand alone: it is part of the value before it.
  const stray = (entry: MetaEntry | undefined) => entry !== undefined && entry.value === true && !(isOptionName(entry.key) && BARE_TYPES.has(OPTION_TABLE[entry.key].type));
  if (!stray(entries[position])) return undefined;
  let start = position;
  while (stray(entries[start - 1])) start -= 1;
  const owner = entries[start - 1];
  if (owner === undefined || owner.quoted || typeof owner.value !== 'string' || !isOptionName(owner.key)) return undefined;
  const type: OptionType = OPTION_TABLE[owner.key].type;
  if (type !== 'string' && type !== 'path') return undefined;
  const words = [owner.value];
  for (let next = start; stray(entries[next]); next += 1) words.push(entries[next]!.key);
  return `${owner.key}="${words.join(' ').replace(/[\\"]/g, '\\$&')}"`;
}

function convert(key: string, type: OptionType, value: string | true): OptionValue {
  if (type === 'boolean') {
    if (value === true || value === 'true') return true;
    if (value === 'false') return false;
    throw new OptionError(`"${key}" is a flag: write ${key} (or ${key}=false), not ${key}=${value}`);
  }
  if (type === 'line-numbers') {
    if (value === true || value === 'true') return 1;
    if (value === 'false') return false;
    if (!/^\d{1,6}$/.test(value)) throw new OptionError(`${key}=${value} is not a line number; write ${key}, or ${key}=10 to start at line 10`);
    return Number(value);
  }
  if (value === true) {
    throw new OptionError(`"${key}" needs a value, e.g. ${EXAMPLES[type](key)}`);
  }
  if (type === 'duration') {
    const ms = parseDuration(value);
    if (ms === undefined || ms === 0) throw new OptionError(`${key}=${value} is not a duration; write e.g. ${key}=30s or ${key}=2m`);
    return ms;
  }
  if (type === 'integer') {
    if (!/^\d{1,3}$/.test(value) || Number(value) > 255) {
      throw new OptionError(`${key}=${value} is not an exit code; write a whole number from 0 to 255`);
    }
    return Number(value);
  }
  return value;
}

const EXAMPLES: Record<OptionType, (key: string) => string> = {
  string: (key) => `${key}="..."`,
  path: (key) => `${key}=main.py`,
  duration: (key) => `${key}=30s`,
  integer: (key) => `${key}=0`,
  boolean: (key) => key,
  'line-numbers': (key) => key,
};
