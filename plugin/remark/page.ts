/**
 * The authoring core shared by every Markdown front end: the remark plugin
 * (Docusaurus, and the manifest scanner) and the markdown-it plugin
 * (VitePress) each find their sandbox fences and containers in their own tree
 * and hand them here as `SandboxSource`s; this turns them into blocks, page
 * sessions and problems. One function behind both parsers is what makes a page
 * give the same blocks, with the same ids and the same error messages, on both
 * frameworks: a front end only says where each piece of text is.
 */
import type {PageSession, SandboxBlock, SandboxDisplay, SandboxStepSession} from '../../config/block.js';
import type {SandboxConfig} from '../../config/schema.js';
import {BlockError, blockId, buildBlockBody, type BlockDraft, type FileDraft} from './block.js';
import {blockDisplay} from './display.js';
import {frontMatterSession, SESSION_KEY} from './front-matter.js';
import {MetaSyntaxError, parseMeta, type MetaEntry} from './meta.js';
import {OptionError, readOptions} from './options.js';
import type {AuthoringProblem, Place} from './problems.js';
import {checkSessionName, groupPageSessions, sessionNameOf, spellOption, type StepCandidate} from './session.js';

/** The fence language and the directive / container name of a block. */
export const SANDBOX = 'sandbox';

/** What may stand inside a container: a fenced code block (a file), its label, or anything else (refused). */
export type ContainerChild =
  | {kind: 'code'; lang: string | null | undefined; meta: string | null | undefined; value: string; place: Place | undefined}
  | {kind: 'label'; text: string}
  /** `description` as the message names it: "a paragraph", "a list". */
  | {kind: 'other'; description: string; place: Place | undefined};

/** One sandbox block as a front end found it, with its text as written. */
export type SandboxSource =
  /** ```sandbox META: `value` is the body without its closing line ending. */
  | {kind: 'fence'; meta: string | null | undefined; value: string; place: Place | undefined}
  /** A container (`:::sandbox{META}`, `::: sandbox META`): `meta` as text, or entries a tree already parsed. */
  | {kind: 'container'; meta: string | readonly MetaEntry[]; children: readonly ContainerChild[]; place: Place | undefined}
  /** A construct that can never be a block; `reason` names the fix. */
  | {kind: 'refused'; reason: string; place: Place | undefined};

export interface PageContext {
  config: SandboxConfig;
  /** Source path relative to the site, POSIX separators (ids and messages use it). */
  source: string;
  /** The page as written, for its front matter's `sandbox_session`. */
  pageText: string | undefined;
}

/** A block built from its source, with what the component needs besides the block. */
export interface BuiltBlock {
  block: SandboxBlock;
  display: SandboxDisplay | undefined;
  /** The page session when the block is one of its steps. */
  session: SandboxStepSession | undefined;
}

export interface BuiltPage {
  /** One per source, in the same order: undefined where the source has a problem. */
  built: (BuiltBlock | undefined)[];
  /** The blocks in document order. */
  blocks: SandboxBlock[];
  sessions: PageSession[];
  problems: AuthoringProblem[];
}

/** An error inside a container that belongs to one of its children. */
class PlacedError extends Error {
  constructor(
    message: string,
    readonly place: Place | undefined,
  ) {
    super(message);
  }
}

/**
 * Builds the blocks of one page from its sources in document order. A bad
 * block does not stop the others: every problem is returned, each with its
 * place, and the front end fails the file once with all of them.
 */
export function buildSandboxPage(sources: readonly SandboxSource[], context: PageContext): BuiltPage {
  const problems: AuthoringProblem[] = [];
  const pageSession = pageSessionName(context.pageText, problems);
  const found: {index: number; block: SandboxBlock; display: SandboxDisplay | undefined}[] = [];
  const candidates: StepCandidate[] = [];

  sources.forEach((source, index) => {
    const start = source.place;
    let fenceStarts: (Place | undefined)[] = [];
    try {
      let draft: BlockDraft;
      if (source.kind === 'refused') throw new PlacedError(source.reason, start);
      if (source.kind === 'fence') {
        const options = readOptions(parseMeta(source.meta), 'fence');
        const terminalOnly = source.value.trim() === '' && !options.has('file');
        draft = {options, files: terminalOnly ? [] : [{options, fenceLang: undefined, content: source.value}], terminalOnly};
        fenceStarts = [start];
      } else {
        const parsed = readContainer(source);
        draft = parsed.draft;
        fenceStarts = parsed.fenceStarts;
      }
      const named = draft.options.get('session');
      const nameProblem = typeof named === 'string' ? checkSessionName(named, spellOption) : undefined;
      if (nameProblem) throw new OptionError(nameProblem);
      const body = buildBlockBody(draft, context.config);
      // The session is not part of the body, so it is not hashed: joining or leaving a session keeps the id.
      const block: SandboxBlock = {id: blockId(context.source, found.length, body), ...body, source: context.source, line: start?.line ?? 0};
      found.push({index, block, display: blockDisplay(draft, body)});
      candidates.push({id: block.id, env: block.env, session: sessionNameOf(typeof named === 'string' ? named : undefined, pageSession), place: start});
    } catch (error) {
      const problem = (reason: string, place: Place | undefined) => problems.push({reason, place});
      if (error instanceof PlacedError) problem(error.message, error.place ?? start);
      else if (error instanceof BlockError) problem(error.message, (error.fileIndex !== undefined ? fenceStarts[error.fileIndex] : undefined) ?? start);
      else if (error instanceof OptionError || error instanceof MetaSyntaxError) problem(error.message, start);
      else throw error;
    }
  });

  const grouped = groupPageSessions(context.source, candidates);
  problems.push(...grouped.problems);
  const steps = new Map<string, {step: number; session: SandboxStepSession}>();
  for (const session of grouped.sessions) {
    const summary = {id: session.id, name: session.name, steps: session.blocks.length};
    session.blocks.forEach((id, position) => steps.set(id, {step: position + 1, session: summary}));
  }
  const built: (BuiltBlock | undefined)[] = sources.map(() => undefined);
  const blocks = found.map(({index, block, display}) => {
    const step = steps.get(block.id);
    const placed: SandboxBlock = step ? {...block, session: step.session.id, step: step.step} : block;
    built[index] = {block: placed, display, session: step?.session};
    return placed;
  });
  return {built, blocks, sessions: grouped.sessions, problems};
}

/** The page's `sandbox_session`, checked; a bad one is a problem at its front matter line and sets no default. */
function pageSessionName(text: string | undefined, problems: AuthoringProblem[]): string | undefined {
  const found = frontMatterSession(text);
  if (!found) return undefined;
  const problem = 'problem' in found ? found.problem : checkSessionName(found.name, (name) => `${SESSION_KEY}: ${name}`);
  if (problem) {
    problems.push({reason: problem, place: found.place});
    return undefined;
  }
  return 'name' in found ? found.name : undefined;
}

function readContainer(source: Extract<SandboxSource, {kind: 'container'}>): {draft: BlockDraft; fenceStarts: (Place | undefined)[]} {
  const options = readOptions(typeof source.meta === 'string' ? parseMeta(source.meta) : [...source.meta], 'directive');
  const files: FileDraft[] = [];
  const fenceStarts: (Place | undefined)[] = [];
  let label: string | undefined;
  for (const child of source.children) {
    if (child.kind === 'label') {
      label = child.text;
      continue;
    }
    if (child.kind === 'other') {
      throw new PlacedError(
        `only fenced code blocks may stand inside :::sandbox (found ${child.description}); move text before or after the directive`,
        child.place,
      );
    }
    try {
      const fileOptions = readOptions(parseMeta(child.meta), 'directive-file');
      if (!fileOptions.has('file')) {
        throw new OptionError('a fenced code block inside :::sandbox needs file=path in its meta, e.g. ```python file=main.py');
      }
      files.push({options: fileOptions, fenceLang: child.lang && child.lang !== SANDBOX ? child.lang : undefined, content: child.value});
      fenceStarts.push(child.place);
    } catch (error) {
      if (error instanceof OptionError || error instanceof MetaSyntaxError) throw new PlacedError(error.message, child.place);
      throw error;
    }
  }
  return {draft: {options, files, terminalOnly: files.length === 0, label}, fenceStarts};
}

/**
 * The meta of a fence from its info string as written (the text after the
 * backticks): the first word is the language, then one space. CommonMark
 * parsers decode backslash escapes and entities in the info string, which
 * would eat the `\"` of the meta grammar, so front ends pass the raw text.
 */
export function metaOfInfo(info: string): string {
  return /^\s*\S*\s?(.*)$/s.exec(info)![1]!;
}

/** The text between the braces of `:::sandbox[label]{...}`, or undefined when the line is not that shape. */
export function attributeText(line: string): string | undefined {
  const match = /^\s*:{3,}sandbox/.exec(line);
  if (!match) return undefined;
  let position = match[0].length;
  if (line[position] === '[') {
    const close = line.indexOf(']', position);
    if (close === -1) return undefined;
    position = close + 1;
  }
  if (line[position] !== '{') return '';
  const close = line.lastIndexOf('}');
  return close > position ? line.slice(position + 1, close) : undefined;
}
