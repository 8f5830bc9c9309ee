/**
 * The blocks an agent may ask about: a site's manifest, searchable, with the
 * page each block is shown on. Pure: the page index is passed in.
 */
import type {PageSession, SandboxBlock} from '../../config/block.js';

/** What `list_blocks` says about one block (no file contents: `get_block` has them). */
export interface BlockSummary {
  id: string;
  /** Path of the page in the built site that shows the block, when known. */
  pageUrl?: string;
  /** Source file (relative to the site) and line of the fence. */
  source: string;
  line: number;
  title?: string;
  /** A step of a page session (a multi-step tutorial): the session's id, shared by its steps. */
  session?: string;
  /** A step of a page session: its 1-based position; `check_blocks` runs the steps in this order in one sandbox. */
  step?: number;
  env: string;
  files: string[];
  interactive: boolean;
  editable: boolean;
  expect?: string;
  exit: number;
  resource: string;
}

export interface BlockQuery {
  /** Words that must all occur (case-insensitive) in the id, title, source, page, command, env or file names and contents. */
  query?: string | undefined;
  /** Only blocks of this page: a page URL or source file, or a part of one. */
  page?: string | undefined;
  /** Only blocks of this environment. */
  env?: string | undefined;
}

export const blockResourceUri = (id: string): string => `sandbox://block/${encodeURIComponent(id)}`;

/** The block id in a `sandbox://block/<id>` URI, or undefined for any other URI. */
export function blockIdOfUri(uri: string): string | undefined {
  const match = /^sandbox:\/\/block\/([^/?#]+)$/.exec(uri);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

export class BlockCatalog {
  private readonly byId: Map<string, SandboxBlock>;

  constructor(
    readonly blocks: readonly SandboxBlock[],
    private readonly pages: ReadonlyMap<string, string> = new Map(),
    /** The manifest's page sessions: `check_blocks` names steps by their session's name (else its id). */
    readonly sessions: readonly PageSession[] = [],
  ) {
    this.byId = new Map(blocks.map((block) => [block.id, block]));
  }

  get(id: string): SandboxBlock | undefined {
    return this.byId.get(id);
  }

  pageOf(id: string): string | undefined {
    return this.pages.get(id);
  }

  summary(block: SandboxBlock): BlockSummary {
    const pageUrl = this.pages.get(block.id);
    return {
      id: block.id,
      ...(pageUrl === undefined ? {} : {pageUrl}),
      source: block.source,
      line: block.line,
      ...(block.title === undefined ? {} : {title: block.title}),
      ...(block.session === undefined ? {} : {session: block.session}),
      ...(block.step === undefined ? {} : {step: block.step}),
      env: block.env,
      files: block.files.filter((file) => !file.hidden).map((file) => file.path),
      interactive: block.options.interactive,
      editable: block.options.editable,
      ...(block.options.expect === undefined ? {} : {expect: block.options.expect}),
      exit: block.options.exit,
      resource: blockResourceUri(block.id),
    };
  }

  search(query: BlockQuery): SandboxBlock[] {
    const words = (query.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const page = query.page?.toLowerCase();
    return this.blocks.filter((block) => {
      if (query.env !== undefined && block.env !== query.env) return false;
      const pageUrl = this.pages.get(block.id) ?? '';
      if (page !== undefined && !block.source.toLowerCase().includes(page) && !pageUrl.toLowerCase().includes(page)) return false;
      if (words.length === 0) return true;
      const haystack = [
        block.id,
        block.title ?? '',
        block.source,
        pageUrl,
        block.cmd,
        block.env,
        ...block.files.flatMap((file) => [file.path, file.content]),
      ]
        .join('\n')
        .toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
  }
}
