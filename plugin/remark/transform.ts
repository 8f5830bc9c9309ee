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
import {ensureSandboxImport} from './esm.js';
import type {MetaEntry} from './meta.js';
import {attributeText, buildSandboxPage, metaOfInfo, SANDBOX, type ContainerChild, type SandboxSource} from './page.js';
import {failOnProblems} from './problems.js';

export {SANDBOX} from './page.js';
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

/**
 * Replaces the sandbox blocks of `tree` in place and returns them in document
 * order, with the page's sessions. A bad block does not stop the walk: every
 * problem of the file is collected, then the file fails once
 * (`failOnProblems`) with each problem's `source:line:column` and reason
 * (Docusaurus prints only the message of a failed MDX compilation).
 */
export function transformSandboxPage(tree: Root, file: VFile, context: TransformContext): SandboxPage {
  const found: {node: SandboxNode; parent: Parent; index: number}[] = [];
  const sources: SandboxSource[] = [];
  visit(tree, (node, index, parent: Parent | undefined) => {
    if (!isSandboxNode(node) || parent === undefined || index === undefined) return undefined;
    found.push({node, parent, index});
    sources.push(sandboxSource(node, file));
    // The node is replaced after the walk; SKIP keeps the walk out of a directive's fences meanwhile.
    return SKIP;
  });
  const page = buildSandboxPage(sources, {config: context.config, source: context.source, pageText: context.pageText ?? sourceText(file)});
  const problems = [...page.problems];
  page.built.forEach((built, position) => {
    if (!built) return;
    const {node, parent, index} = found[position]!;
    parent.children[index] = sandboxElement(built.block, built.display, built.session, node);
  });
  if (page.blocks.length > 0) {
    const clash = ensureSandboxImport(tree, COMPONENT);
    if (clash) problems.push(clash);
  }
  failOnProblems(file, context.source, problems);
  return {blocks: page.blocks, sessions: page.sessions};
}

/** What the shared core needs of a node: its text as written and where it is. */
function sandboxSource(node: SandboxNode, file: VFile): SandboxSource {
  const place = node.position?.start;
  if (node.type === 'leafDirective') {
    return {kind: 'refused', reason: '"::sandbox" is a leaf directive; write a container ":::sandbox{...}" holding fenced code blocks, and close it with ":::"', place};
  }
  if (node.type === 'code') return {kind: 'fence', meta: fenceMeta(node, file), value: node.value, place};
  const children: ContainerChild[] = node.children.map((child) => {
    const childPlace = child.position?.start;
    if (child.type === 'paragraph' && child.data?.directiveLabel) {
      return {kind: 'label', text: child.children.map((part) => ('value' in part ? part.value : '')).join('')};
    }
    if (child.type === 'code') return {kind: 'code', lang: child.lang, meta: fenceMeta(child, file), value: child.value, place: childPlace};
    return {kind: 'other', description: describe(child), place: childPlace};
  });
  return {kind: 'container', meta: directiveMeta(node, file), children, place};
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
  const match = line === undefined ? null : /^\s*(?:`{3,}|~{3,})(.*)$/.exec(line);
  return match ? metaOfInfo(match[1]!) : node.meta;
}

/**
 * The attributes of `:::sandbox{...}` go through the same meta grammar as
 * fences, read from the source line, because remark-directive's own attribute
 * syntax differs (no `\"` escapes, `#id`/`.class` shortcuts). Without the
 * source text (a tree built in code) the parsed attributes are used.
 */
function directiveMeta(node: ContainerDirective, file: VFile): string | MetaEntry[] {
  const line = openingLine(node, file);
  const attributes = line === undefined ? undefined : attributeText(line);
  if (attributes !== undefined) return attributes;
  return Object.entries(node.attributes ?? {}).map(([key, value]) => ({key, value: value === '' ? true : (value ?? true), offset: 0, quoted: false}));
}

export {attributeText} from './page.js';

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
