/**
 * The markdown-it plugin of the VitePress integration: ```sandbox fences,
 * `::: sandbox META` containers (VitePress's own container style) and
 * `:::sandbox[label]{META}` containers (the Docusaurus directive, so a page
 * moves between the two frameworks unchanged) become `<Sandbox block="{json}"/>`
 * elements, which Vue renders with the component `enhanceAppWithSandbox`
 * registers. The blocks are built by the authoring core the remark plugin uses
 * (plugin/remark/page.ts): this file only finds the text and its place.
 */
import type {MarkdownRenderer} from 'vitepress';
import type {PageSession, SandboxBlock, SandboxDisplay, SandboxStepSession} from '../config/block.js';
import type {SandboxConfig, SandboxConfigInput} from '../config/schema.js';
import {resolveSandboxConfig, sourcePath} from '../plugin/remark/config.js';
import {attributeText, buildSandboxPage, metaOfInfo, SANDBOX, type ContainerChild, type SandboxSource} from '../plugin/remark/page.js';
import {problemsMessage, type Place} from '../plugin/remark/problems.js';
import {findVitePressRoot} from './site.js';

export const COMPONENT = 'Sandbox';

/** A page with bad blocks: `message` holds one `source:line:column: reason` per problem, as on Docusaurus. */
export class SandboxAuthoringError extends Error {
  readonly code = 'invalid-sandbox-block';
  override readonly name = 'SandboxAuthoringError';
}

/** The blocks and page sessions the plugin found while rendering one page. */
export interface RenderedPage {
  source: string;
  blocks: SandboxBlock[];
  sessions: PageSession[];
}

export interface MarkdownSandboxOptions {
  /** The configuration itself; wins over `configFile`. */
  config?: SandboxConfigInput | undefined;
  /** Config file, relative to the site. Default: sandbox.config.json when present. */
  configFile?: string | undefined;
  /** The site directory (VitePress's root, the folder holding `.vitepress`); source paths and ids are relative to it. Default: found from each page's path. */
  siteDir?: string | undefined;
  /** Told about every page rendered (the build manifest is collected from it). */
  onPage?: ((page: RenderedPage) => void) | undefined;
}

/**
 * VitePress bundles markdown-it and its types; the rule types are read from
 * its renderer so they are the very ones a site's `markdown.config(md)` gets.
 */
type MarkdownIt = MarkdownRenderer;
type StateCore = Parameters<Parameters<MarkdownIt['core']['ruler']['after']>[2]>[0];
type StateBlock = Parameters<Parameters<MarkdownIt['block']['ruler']['before']>[2]>[0];
type Token = StateCore['tokens'][number];

const CONTAINER_OPEN = 'sandbox_container_open';
const CONTAINER_CLOSE = 'sandbox_container_close';
/** `:::sandbox…` or `::: sandbox…` (the name whole: not `::: sandboxes`). */
const CONTAINER_LINE = /^(:{3,})[ \t]*sandbox(?=$|[\s[{])(.*)$/;

/**
 * The page as written, by the env of its render: VitePress strips the front
 * matter (gray-matter) before the parse, so the parsed text's lines are
 * shifted and `sandbox_session` is gone from it.
 */
type Originals = WeakMap<object, string>;

export default function markdownItSandbox(md: MarkdownIt, options: MarkdownSandboxOptions = {}): void {
  const originals: Originals = new WeakMap();
  const configs = new Map<string, SandboxConfig>();
  const configFor = (siteDir: string) => {
    let config = configs.get(siteDir);
    if (!config) {
      config = resolveSandboxConfig({config: options.config, configFile: options.configFile, siteDir});
      configs.set(siteDir, config);
    }
    return config;
  };

  // Registered after VitePress's own plugins, this wrapper is the outermost: it sees the page as written.
  const render = md.render.bind(md);
  md.render = (src: string, env?: unknown) => {
    const pageEnv = typeof env === 'object' && env !== null ? env : {};
    originals.set(pageEnv, src);
    return render(src, pageEnv);
  };

  md.block.ruler.before('fence', 'sandbox_container', sandboxContainerRule, {alt: ['paragraph', 'reference', 'blockquote', 'list']});
  md.core.ruler.after('block', 'sandbox', (state) => {
    const path = pagePath(state.env);
    const siteDir = options.siteDir ?? (path ? findVitePressRoot(path) : process.cwd());
    const source = path ? sourcePath(siteDir, path) : '<input>';
    const original = typeof state.env === 'object' && state.env !== null ? originals.get(state.env as object) : undefined;
    const page = transformTokens(state, {config: configFor(siteDir), source, original});
    options.onPage?.({source, ...page});
  });
}

function pagePath(env: unknown): string | undefined {
  const path = typeof env === 'object' && env !== null ? (env as {path?: unknown}).path : undefined;
  return typeof path === 'string' && path !== '' ? path : undefined;
}

interface TransformInput {
  config: SandboxConfig;
  source: string;
  /** The page as written, when the parsed text is a suffix of it (front matter stripped). */
  original: string | undefined;
}

/** Where a token starts: the line, and the column of `marker` in it (else of its first character). */
type PlaceOf = (token: Token, marker?: string) => Place | undefined;

/** A block in the token list: where it starts and ends, and what the core needs of it. */
interface FoundBlock {
  start: number;
  end: number;
  source: SandboxSource;
}

/**
 * Replaces each sandbox fence and container in the token list by one
 * `html_block` token holding the `<Sandbox/>` element. Throws a
 * `SandboxAuthoringError` with every problem of the page.
 */
export function transformTokens(state: StateCore, input: TransformInput): {blocks: SandboxBlock[]; sessions: PageSession[]} {
  const lines = state.src.split('\n');
  const original = input.original !== undefined && input.original.endsWith(state.src) ? input.original : undefined;
  // The lines the stripped front matter took, so places are the file's.
  const lineOffset = original === undefined ? 0 : countLines(original.slice(0, original.length - state.src.length));
  const placeOf: PlaceOf = (token, marker) => {
    if (!token.map) return undefined;
    const text = lines[token.map[0]] ?? '';
    // The marker's column, or the first character's after the indentation and any `>` of a blockquote.
    const column = marker === undefined ? (/^[\s>]*/.exec(text)?.[0].length ?? 0) : text.indexOf(marker);
    return {line: token.map[0] + 1 + lineOffset, column: (column < 0 ? 0 : column) + 1};
  };

  const found: FoundBlock[] = [];
  const tokens = state.tokens;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.type === 'fence' && fenceLang(token.info) === SANDBOX) {
      found.push({start: index, end: index, source: {kind: 'fence', meta: metaOfInfo(token.info), value: fenceBody(token.content), place: placeOf(token, token.markup)}});
    } else if (token.type === CONTAINER_OPEN) {
      const end = closingIndex(tokens, index);
      found.push({start: index, end, source: containerSource(token, tokens.slice(index + 1, end), placeOf)});
      index = end;
    }
  }
  const page = buildSandboxPage(
    found.map((item) => item.source),
    {config: input.config, source: input.source, pageText: original ?? state.src},
  );
  const message = problemsMessage(input.source, page.problems);
  if (message !== undefined) throw new SandboxAuthoringError(message);

  // From the last block back, so earlier indexes stay valid.
  for (let position = found.length - 1; position >= 0; position -= 1) {
    const {start, end} = found[position]!;
    const built = page.built[position]!;
    const element = new state.Token('html_block', '', 0);
    element.content = sandboxElement(built.block, built.display, built.session, state.md.utils.escapeHtml);
    element.map = tokens[start]!.map;
    element.block = true;
    tokens.splice(start, end - start + 1, element);
  }
  return {blocks: page.blocks, sessions: page.sessions};
}

const countLines = (text: string) => text.split('\n').length - 1;

const fenceLang = (info: string) => info.trim().split(/\s+/)[0] ?? '';

/** markdown-it keeps the line ending before the closing fence; remark (and so the ids) does not. */
const fenceBody = (content: string) => content.replace(/\n$/, '');

/** The index of the close token of the container opened at `open` (its nesting level back to the open's). */
function closingIndex(tokens: readonly Token[], open: number): number {
  const level = tokens[open]!.level;
  for (let index = open + 1; index < tokens.length; index += 1) {
    if (tokens[index]!.type === CONTAINER_CLOSE && tokens[index]!.level === level) return index;
  }
  return tokens.length - 1;
}

/** mdast's names for what stands in a container, so the message is the one Docusaurus gives. */
const DESCRIPTIONS: Record<string, string> = {
  paragraph_open: 'a paragraph',
  heading_open: 'a heading',
  bullet_list_open: 'a list',
  ordered_list_open: 'a list',
  blockquote_open: 'a blockquote',
  hr: 'a thematicBreak',
  html_block: 'a html',
  table_open: 'a table',
  [CONTAINER_OPEN]: 'a containerDirective',
};

function containerSource(open: Token, inner: readonly Token[], placeOf: PlaceOf): SandboxSource {
  const place = placeOf(open, ':::');
  const heading = parseContainerLine(`${open.markup}sandbox${open.info}`);
  if (heading === undefined) {
    return {kind: 'refused', reason: 'the options of ":::sandbox{...}" are not closed; write :::sandbox{key=value ...} or ::: sandbox key=value ...', place};
  }
  const children: ContainerChild[] = heading.label === undefined ? [] : [{kind: 'label', text: heading.label}];
  const base = open.level + 1;
  for (const token of inner) {
    // Only the container's own children: their contents (a paragraph's inline, a list's items) are theirs.
    if (token.level !== base || token.nesting === -1) continue;
    if (token.type === 'fence') {
      children.push({kind: 'code', lang: fenceLang(token.info) || null, meta: metaOfInfo(token.info), value: fenceBody(token.content), place: placeOf(token, token.markup)});
    } else if (token.type === 'code_block') {
      children.push({kind: 'code', lang: null, meta: null, value: fenceBody(token.content), place: placeOf(token)});
    } else {
      const description = DESCRIPTIONS[token.type] ?? `a ${token.type.replace(/_open$/, '')}`;
      children.push({kind: 'other', description, place: placeOf(token)});
    }
  }
  return {kind: 'container', meta: heading.meta, children, place};
}

/**
 * The label and meta of a container's opening line: `:::sandbox[label]{META}`
 * (the directive) or `::: sandbox META` (VitePress's style). Undefined when
 * the braces are not closed.
 */
export function parseContainerLine(line: string): {label: string | undefined; meta: string} | undefined {
  const match = CONTAINER_LINE.exec(line.trim());
  if (!match) return undefined;
  const rest = match[2]!;
  if (!rest.startsWith('[') && !rest.startsWith('{')) return {label: undefined, meta: rest};
  const meta = attributeText(`:::sandbox${rest}`);
  if (meta === undefined) return undefined;
  const label = rest.startsWith('[') ? rest.slice(1, rest.indexOf(']')) : undefined;
  return {label, meta};
}

/** `escape` is markdown-it's HTML escape: the element is read by Vue's template compiler, which decodes it. */
function sandboxElement(
  block: SandboxBlock,
  display: SandboxDisplay | undefined,
  session: SandboxStepSession | undefined,
  escape: (text: string) => string,
): string {
  const attribute = (name: string, value: unknown) => ` ${name}="${escape(JSON.stringify(value))}"`;
  return `<${COMPONENT}${attribute('block', block)}${display ? attribute('display', display) : ''}${session ? attribute('session', session) : ''}></${COMPONENT}>\n`;
}

/**
 * The block rule of containers: from the opening line to a line of at least
 * as many colons (or the end of the enclosing block, as remark-directive
 * does), the lines between parsed as Markdown into the container's children.
 */
function sandboxContainerRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const start = state.bMarks[startLine]! + state.tShift[startLine]!;
  const line = state.src.slice(start, state.eMarks[startLine]);
  const match = CONTAINER_LINE.exec(line);
  if (!match) return false;
  if (silent) return true;
  const colons = match[1]!.length;
  let next = startLine;
  let closed = false;
  while (!closed) {
    next += 1;
    if (next >= endLine) break;
    const lineStart = state.bMarks[next]! + state.tShift[next]!;
    const text = state.src.slice(lineStart, state.eMarks[next]);
    // A line indented less than the container's block ends it (a list item's container ends with the item).
    if (text !== '' && state.sCount[next]! < state.blkIndent) break;
    if (state.sCount[next]! - state.blkIndent < 4 && /^:{3,}[ \t]*$/.test(text) && text.trim().length >= colons) closed = true;
  }
  const lineMax = state.lineMax;
  const open = state.push(CONTAINER_OPEN, 'div', 1);
  open.markup = match[1]!;
  open.info = match[2]!;
  open.block = true;
  open.map = [startLine, next];
  state.lineMax = next;
  state.md.block.tokenize(state, startLine + 1, next);
  const close = state.push(CONTAINER_CLOSE, 'div', -1);
  close.markup = match[1]!;
  close.block = true;
  state.lineMax = lineMax;
  state.line = next + (closed ? 1 : 0);
  return true;
}
