/**
 * Turns the parsed options and files of one fence or directive into a
 * `SandboxBlock`, checking everything the server would refuse later, so a bad
 * block stops the build instead of failing for a reader.
 */
import {createHash} from 'node:crypto';
import {checkFilePath, type BlockFile, type BlockOptions, type SandboxBlock} from '../../config/block.js';
import type {SandboxConfig} from '../../config/schema.js';
import {formatDuration, formatSize} from '../../config/units.js';
import type {OptionKey, OptionValue} from './options.js';

/** A block that cannot run as written; `message` says why and how to fix it. */
export class BlockError extends Error {
  readonly code = 'invalid-sandbox-block';
  override readonly name = 'BlockError';
  /** The file (fence) the problem is in, when it is not the block as a whole. */
  readonly fileIndex: number | undefined;
  constructor(message: string, fileIndex?: number) {
    super(message);
    this.fileIndex = fileIndex;
  }
}

export interface FileDraft {
  /** Options of the fence that holds the file (file, lang, hidden, readonly). */
  options: Map<OptionKey, OptionValue>;
  /** The fence's own language (` ```python file=x `), if any. */
  fenceLang: string | undefined;
  content: string;
}

export interface BlockDraft {
  options: Map<OptionKey, OptionValue>;
  files: FileDraft[];
  /** A fence with an empty body and no `file=`: a shell with no files. */
  terminalOnly: boolean;
  /** Title from a directive label (`:::sandbox[Title]`). */
  label?: string | undefined;
}

export type BlockBody = Omit<SandboxBlock, 'id' | 'source' | 'line'>;

const EXTENSION_LANGS: Record<string, string> = {
  js: 'js', mjs: 'js', cjs: 'js', jsx: 'jsx', ts: 'ts', mts: 'ts', tsx: 'tsx', py: 'python', sh: 'bash', bash: 'bash',
  json: 'json', md: 'markdown', txt: 'text', csv: 'text', yml: 'yaml', yaml: 'yaml', toml: 'toml', html: 'html',
  css: 'css', rb: 'ruby', go: 'go', rs: 'rust', c: 'c', h: 'c', cpp: 'cpp', java: 'java', sql: 'sql',
};

function languageOf(path: string, explicit: string | undefined, envFile: string, envLang: string): string {
  if (explicit) return explicit;
  const name = path.split('/').pop() ?? path;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return EXTENSION_LANGS[extension] ?? (path === envFile || extension === '' ? envLang : 'text');
}

const text = (value: OptionValue | undefined) => (typeof value === 'string' ? value : undefined);
const flag = (value: OptionValue | undefined, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);

/** Ensures a seeded text file ends with a newline, as editors write them. */
const asFileContent = (body: string) => (body === '' || body.endsWith('\n') ? body : `${body}\n`);

export function buildBlockBody(draft: BlockDraft, config: SandboxConfig): BlockBody {
  const envName = text(draft.options.get('env')) ?? config.defaultEnv;
  const env = config.environments[envName];
  if (!env) {
    throw new BlockError(`unknown env "${envName}"; use one of ${Object.keys(config.environments).join(', ')} or add it to sandbox.config.json`);
  }
  const timeout = draft.options.get('timeout');
  if (typeof timeout === 'number' && timeout > env.limits.maxTimeout) {
    throw new BlockError(
      `timeout=${formatDuration(timeout)} is over the maximum of ${formatDuration(env.limits.maxTimeout)} for env "${envName}"; lower it or raise limits.maxTimeout`,
    );
  }

  const files: BlockFile[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  draft.files.forEach((file, index) => {
    const path = text(file.options.get('file')) ?? env.file;
    const problem = checkFilePath(path);
    if (problem) throw new BlockError(problem, index);
    if (seen.has(path)) throw new BlockError(`the file "${path}" appears twice in this block; give each file its own path`, index);
    seen.add(path);
    const content = asFileContent(file.content);
    bytes += Buffer.byteLength(content);
    files.push({
      path,
      content,
      hidden: flag(file.options.get('hidden'), false),
      readonly: flag(file.options.get('readonly'), false),
      lang: languageOf(path, text(file.options.get('lang')) ?? file.fenceLang, env.file, env.lang),
    });
  });
  if (files.length > env.limits.maxFiles) {
    throw new BlockError(`this block has ${files.length} files, more than limits.maxFiles (${env.limits.maxFiles}); merge files or raise the limit`);
  }
  if (bytes > env.limits.maxSeedBytes) {
    throw new BlockError(
      `the files of this block hold ${formatSize(bytes)}, more than limits.maxSeedBytes (${formatSize(env.limits.maxSeedBytes)}); shorten them or raise the limit`,
    );
  }

  const options: BlockOptions = {
    editable: flag(draft.options.get('editable'), true),
    interactive: flag(draft.options.get('interactive'), draft.terminalOnly),
    ...(typeof timeout === 'number' ? {timeout} : {}),
    ...(text(draft.options.get('expect')) !== undefined ? {expect: text(draft.options.get('expect'))} : {}),
    exit: typeof draft.options.get('exit') === 'number' ? (draft.options.get('exit') as number) : 0,
    ...(text(draft.options.get('input')) !== undefined ? {input: text(draft.options.get('input'))} : {}),
    skipCheck: flag(draft.options.get('skip-check'), false),
  };
  const expect = options.expect;
  if (expect !== undefined && expect.length > 1 && expect.startsWith('/')) checkRegex(expect);
  const title = text(draft.options.get('title')) ?? draft.label;
  return {
    env: envName,
    cmd: text(draft.options.get('cmd')) ?? (draft.terminalOnly ? env.shell : defaultCommand(env, files)),
    ...(title !== undefined ? {title} : {}),
    files,
    options,
  };
}

/**
 * The environment's command names its default file (`python3 main.py`); a block
 * whose files do not include that one runs its first file instead, so
 * `file=stubborn.py` alone is enough.
 */
export function defaultCommand(env: {cmd: string; file: string}, files: ReadonlyArray<{path: string}>): string {
  const entry = files[0]?.path;
  if (entry === undefined || files.some((file) => file.path === env.file)) return env.cmd;
  const escaped = env.file.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&');
  const mention = new RegExp(`(^|\\s)${escaped}(?=\\s|$)`);
  return mention.test(env.cmd) ? env.cmd.replace(mention, (_, before: string) => `${before}${shellWord(entry)}`) : env.cmd;
}

function shellWord(path: string): string {
  return /^[A-Za-z0-9._\/-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function checkRegex(expect: string): void {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(expect);
  if (!match) return; // text that merely starts with "/" (a path) is matched literally
  try {
    new RegExp(match[1]!, match[2]);
  } catch (error) {
    throw new BlockError(`expect=${expect} is not a valid regular expression (${(error as Error).message}); fix it or drop the slashes to match text`);
  }
}

/**
 * The stable id: the same source path, position among the file's blocks and
 * content give the same id on every build (the server looks blocks up by it).
 */
export function blockId(source: string, ordinal: number, body: BlockBody): string {
  return createHash('sha256').update(JSON.stringify([source, ordinal, body])).digest('hex').slice(0, 12);
}
