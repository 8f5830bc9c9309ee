/**
 * The tree transform shared by the remark plugin (at MDX compile time) and the
 * manifest scanner (after the build): every ```sandbox fence and
 * `:::sandbox{...}` directive becomes a `<Sandbox block="{json}"/>` element and
 * a `SandboxBlock`, the blocks that name one session become its steps, and a
 * page with blocks imports `@theme/Sandbox`. Keeping one walk for both
 * guarantees the same blocks, in the same order, with the same ids.
 */
import type {Code, Parent, Root, RootContent} from 'mdast';
import type {ContainerDirective, LeafDirective} from 'mdast-util-directive';
import type {MdxJsxFlowElement} from 'mdast-util-mdx-jsx';
import {SKIP, visit} from 'unist-util-visit';
import type {VFile} from 'vfile';
import type {PageSession, SandboxBlock, SandboxDisplay, SandboxStepSession} from '../../config/block.js';
import type {SandboxConfig} from '../../config/schema.js';
import {BlockError, blockId, buildBlockBody, type BlockDraft, type FileDraft} from './block.js';
import {blockDisplay} from './display.js';
import {ensureSandboxImport} from './esm.js';
import {frontMatterSession, SESSION_KEY} from './front-matter.js';
import {MetaSyntaxError, parseMeta, type MetaEntry} from './meta.js';
import {OptionError, readOptions} from './options.js';
import {failOnProblems, type AuthoringProblem, type Place} from './problems.js';
import {checkSessionName, groupPageSessions, sessionNameOf, spellOption, type StepCandidate} from './session.js';

export const SANDBOX = 'sandbox';
export const COMPONENT = 'Sandbox';

export interface TransformContext {
  config: SandboxConfig;
  /** Source path relative to the site, POSIX separators (ids and messages use it). */
  source: string;
  /**
   * The page as written, for its front matter, when `file` holds a text with
   * the front matter blanked (the manifest scanner's). Default: `file`'s text.
   */
  pageText?: string | undefined;
}

/** What the transform found on a page: its blocks in document order, and its page sessions. */
export interface SandboxPage {
  blocks: SandboxBlock[];
  sessions: PageSession[];
}

type SandboxNode = Code | ContainerDirective | LeafDirective;

const isSandboxNode = (node: unknown): node is SandboxNode => {
  const candidate = node as {type?: string; lang?: string | null; name?: string};
  return (
    (candidate.type === 'code' && candidate.lang === SANDBOX) ||
    ((candidate.type === 'containerDirective' || candidate.type === 'leafDirective') && candidate.name === SANDBOX)
  );
};

/** `transformSandboxPage`'s blocks: the transform as the remark plugin has always exported it. */
export function transformSandboxBlocks(tree: Root, file: VFile, context: TransformContext): SandboxBlock[] {
  return transformSandboxPage(tree, file, context).blocks;
}

/** A block found by the walk, replaced once the page's sessions are known (a step's element names its session). */
interface Found {
  block: SandboxBlock;
  display: SandboxDisplay | undefined;
  node: SandboxNode;
  parent: Parent;
  index: number;
}

/**
 * Replaces the sandbox blocks of `tree` in place and returns them in document
 * order, with the page's sessions. A bad block does not stop the walk: every
 * problem of the file is collected, then the file fails once
 * (`failOnProblems`) with each problem's `source:line:column` and reason
 * (Docusaurus prints only the message of a failed MDX compilation).
 */
export function transformSandboxPage(tree: Root, file: VFile, context: TransformContext): SandboxPage {
  const found: Found[] = [];
  const candidates: StepCandidate[] = [];
  const problems: AuthoringProblem[] = [];
  const pageSession = pageSessionName(context.pageText ?? sourceText(file), problems);

  visit(tree, (node, index, parent: Parent | undefined) => {
    if (!isSandboxNode(node) || parent === undefined || index === undefined) return undefined;
    const start = node.position?.start;
    let draft: BlockDraft;
    let fenceStarts: (Place | undefined)[] = [];
    try {
      if (node.type === 'leafDirective') {
        throw new BlockError('"::sandbox" is a leaf directive; write a container ":::sandbox{...}" holding fenced code blocks, and close it with ":::"');
      }
      if (node.type === 'code') {
        const options = readOptions(parseMeta(fenceMeta(node, file)), 'fence');
        const terminalOnly = node.value.trim() === '' && !options.has('file');
        draft = {
          options,
          files: terminalOnly ? [] : [{options, fenceLang: undefined, content: node.value}],
          terminalOnly,
        };
        fenceStarts = [start];
      } else {
        const parsed = readDirective(node, file);
        draft = parsed.draft;
        fenceStarts = parsed.fenceStarts;
      }
      const named = draft.options.get('session');
      const nameProblem = typeof named === 'string' ? checkSessionName(named, spellOption) : undefined;
      if (nameProblem) throw new OptionError(nameProblem);
      const body = buildBlockBody(draft, context.config);
      // The session is not part of the body, so it is not hashed: joining or leaving a session keeps the id.
      const block: SandboxBlock = {
        id: blockId(context.source, found.length, body),
        ...body,
        source: context.source,
        line: start?.line ?? 0,
      };
      const display = blockDisplay(draft, body);
      found.push({block, display, node, parent, index});
      candidates.push({id: block.id, env: block.env, session: sessionNameOf(typeof named === 'string' ? named : undefined, pageSession), place: start});
      // The node is replaced after the walk; SKIP keeps the walk out of a directive's fences meanwhile.
      return SKIP;
    } catch (error) {
      const problem = (reason: string, place: Place | undefined) => problems.push({reason, place});
      if (error instanceof PlacedError) problem(error.message, error.place ?? start);
      else if (error instanceof BlockError) problem(error.message, (error.fileIndex !== undefined ? fenceStarts[error.fileIndex] : undefined) ?? start);
      else if (error instanceof OptionError || error instanceof MetaSyntaxError) problem(error.message, start);
      else throw error;
      // A refused directive's fences are its files, not blocks of their own.
      return SKIP;
    }
  });
  const grouped = groupPageSessions(context.source, candidates);
  problems.push(...grouped.problems);
  const steps = new Map<string, {step: number; session: SandboxStepSession}>();
  for (const session of grouped.sessions) {
    const summary = {id: session.id, name: session.name, steps: session.blocks.length};
    session.blocks.forEach((id, position) => steps.set(id, {step: position + 1, session: summary}));
  }
  const blocks = found.map(({block, display, node, parent, index}) => {
    const step = steps.get(block.id);
    const placed: SandboxBlock = step ? {...block, session: step.session.id, step: step.step} : block;
    parent.children[index] = sandboxElement(placed, display, step?.session, node);
    return placed;
  });
  if (blocks.length > 0) {
    const clash = ensureSandboxImport(tree, COMPONENT);
    if (clash) problems.push(clash);
  }
  failOnProblems(file, context.source, problems);
  return {blocks, sessions: grouped.sessions};
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

/** An error inside a directive that belongs to one of its children. */
class PlacedError extends Error {
  constructor(
    message: string,
    readonly place: Place | undefined,
  ) {
    super(message);
  }
}

function readDirective(node: ContainerDirective, file: VFile): {draft: BlockDraft; fenceStarts: (Place | undefined)[]} {
  const options = readOptions(directiveMeta(node, file), 'directive');
  const files: FileDraft[] = [];
  const fenceStarts: (Place | undefined)[] = [];
  let label: string | undefined;
  for (const child of node.children) {
    const place = child.position?.start;
    if (child.type === 'paragraph' && child.data?.directiveLabel) {
      label = child.children.map((part) => ('value' in part ? part.value : '')).join('');
      continue;
    }
    if (child.type !== 'code') {
      throw new PlacedError(
        `only fenced code blocks may stand inside :::sandbox (found ${describe(child)}); move text before or after the directive`,
        place,
      );
    }
    try {
      const fileOptions = readOptions(parseMeta(fenceMeta(child, file)), 'directive-file');
      if (!fileOptions.has('file')) {
        throw new OptionError('a fenced code block inside :::sandbox needs file=path in its meta, e.g. ```python file=main.py');
      }
      files.push({options: fileOptions, fenceLang: child.lang && child.lang !== SANDBOX ? child.lang : undefined, content: child.value});
      fenceStarts.push(place);
    } catch (error) {
      if (error instanceof OptionError || error instanceof MetaSyntaxError) throw new PlacedError(error.message, place);
      throw error;
    }
  }
  return {draft: {options, files, terminalOnly: files.length === 0, label}, fenceStarts};
}

const describe = (node: RootContent) => (node.type === 'paragraph' ? 'a paragraph' : `a ${node.type}`);

function sourceText(file: VFile): string | undefined {
  return typeof file.value === 'string' ? file.value : file.value ? new TextDecoder().decode(file.value) : undefined;
}

function openingLine(node: {position?: {start: {offset?: number | undefined}} | undefined}, file: VFile): string | undefined {
  const offset = node.position?.start.offset;
  const source = sourceText(file);
  if (source === undefined || offset === undefined) return undefined;
  const lineEnd = source.indexOf('\n', offset);
  return source.slice(offset, lineEnd === -1 ? undefined : lineEnd).replace(/\r$/, '');
}

/**
 * The meta of a fence as written: CommonMark decodes backslash escapes and
 * entities in the info string, which would eat the `\"` of the meta grammar.
 */
function fenceMeta(node: Code, file: VFile): string | null | undefined {
  const line = openingLine(node, file);
  const match = line === undefined ? null : /^\s*(?:`{3,}|~{3,})\s*\S*\s?(.*)$/.exec(line);
  return match ? match[1]! : node.meta;
}

/**
 * The attributes of `:::sandbox{...}` go through the same meta grammar as
 * fences, read from the source line, because remark-directive's own attribute
 * syntax differs (no `\"` escapes, `#id`/`.class` shortcuts). Without the
 * source text (a tree built in code) the parsed attributes are used.
 */
function directiveMeta(node: ContainerDirective, file: VFile): MetaEntry[] {
  const line = openingLine(node, file);
  const attributes = line === undefined ? undefined : attributeText(line);
  if (attributes !== undefined) return parseMeta(attributes);
  return Object.entries(node.attributes ?? {}).map(([key, value]) => ({key, value: value === '' ? true : (value ?? true), offset: 0, quoted: false}));
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

function sandboxElement(
  block: SandboxBlock,
  display: SandboxDisplay | undefined,
  session: SandboxStepSession | undefined,
  node: SandboxNode,
): MdxJsxFlowElement {
  return {
    type: 'mdxJsxFlowElement',
    name: COMPONENT,
    // JSON strings: an attribute whose value is an object needs an estree, or the MDX build fails to parse the module.
    attributes: [
      {type: 'mdxJsxAttribute', name: 'block', value: JSON.stringify(block)},
      ...(display ? [{type: 'mdxJsxAttribute' as const, name: 'display', value: JSON.stringify(display)}] : []),
      ...(session ? [{type: 'mdxJsxAttribute' as const, name: 'session', value: JSON.stringify(session)}] : []),
    ],
    children: [],
    ...(node.position ? {position: node.position} : {}),
  };
}
