/**
 * The reader's live sandboxes, by block id: this page's, and what the site's
 * other open pages announce over their shared channel. A module-level
 * registry is the one singleton the browser side keeps on purpose: every
 * Sandbox on a page must see the others to offer "stop my other sandboxes"
 * when the server's per-client limit refuses a new one, and that limit counts
 * the reader's sandboxes in every tab.
 */
import {newPageId, openBrowserPageChannel, readPageMessage, watchBrowserPage, type PageChannel, type PageMessage} from './page-channel.js';

export interface LiveSandbox {
  stop(): void;
}

export interface LiveSandboxRegistryOptions {
  /** Opens the channel to the site's other pages (once, when the registry is made); none or undefined = this page only. */
  openChannel?: () => PageChannel | undefined;
  /** Tells when the page goes away and comes back (see `watchBrowserPage`); called once the channel is open. */
  watchPage?: (hidden: () => void, shown: () => void) => void;
  pageId?: string;
}

/** At most this many other pages are tracked: a flood of announcements cannot grow the map without bound. */
export const MAX_OTHER_PAGES = 64;

export class LiveSandboxRegistry {
  readonly #live = new Map<string, LiveSandbox>();
  /** Live block ids of the other open pages, by page id. */
  readonly #otherPages = new Map<string, string[]>();
  readonly #options: LiveSandboxRegistryOptions;
  readonly #page: string;
  #channel: PageChannel | undefined;

  constructor(options: LiveSandboxRegistryOptions = {}) {
    this.#options = options;
    this.#page = options.pageId ?? newPageId();
    // At once, not on first use: the other pages' answers must be in before a refused Run asks who else is live.
    this.#connect();
  }

  /** Registers the live sandbox of a block; returns the function that removes exactly it. */
  register(blockId: string, sandbox: LiveSandbox): () => void {
    this.#live.set(blockId, sandbox);
    this.#announce();
    return () => {
      if (this.#live.get(blockId) !== sandbox) return;
      this.#live.delete(blockId);
      this.#announce();
    };
  }

  /** Block ids of the reader's other live sandboxes: this page's except `exceptId`, and the other open pages'. */
  others(exceptId: string): string[] {
    // Array.from, not spread: Docusaurus's Babel preset compiles spread loosely as
    // [].concat(iterator), which yields the iterator itself instead of its keys.
    const here = Array.from(this.#live.keys()).filter((id) => id !== exceptId);
    return here.concat(Array.from(this.#otherPages.values()).flat());
  }

  /**
   * Stops every live sandbox except the one of `exceptId`, here and (through the
   * channel) on the site's other open pages; returns how many were asked to stop.
   */
  stopOthers(exceptId: string): number {
    const others = this.others(exceptId);
    for (const [id, sandbox] of Array.from(this.#live.entries())) if (id !== exceptId) sandbox.stop();
    if (this.#otherPages.size > 0) this.#post({kind: 'stop-all', page: this.#page});
    return others.length;
  }

  /** This page's live sandboxes. */
  get size(): number {
    return this.#live.size;
  }

  /** Closes the channel; the registry then knows this page only. Idempotent. */
  dispose(): void {
    this.#channel?.close();
    this.#channel = undefined;
    this.#otherPages.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Joins the other pages; during server-side rendering `openChannel` gives none (see `openBrowserPageChannel`). */
  #connect(): void {
    this.#channel = this.#options.openChannel?.();
    if (!this.#channel) return;
    this.#channel.listen((data) => this.#receive(data));
    this.#post({kind: 'hello', page: this.#page});
    this.#options.watchPage?.(
      () => this.#post({kind: 'live', page: this.#page, blocks: []}),
      () => {
        this.#announce();
        this.#post({kind: 'hello', page: this.#page});
      },
    );
  }

  #post(message: PageMessage): void {
    this.#channel?.post(message);
  }

  #announce(): void {
    this.#post({kind: 'live', page: this.#page, blocks: Array.from(this.#live.keys())});
  }

  #receive(data: unknown): void {
    const message = readPageMessage(data);
    if (!message || message.page === this.#page) return;
    switch (message.kind) {
      case 'hello':
        if (this.#live.size > 0) this.#announce();
        return;
      case 'stop-all':
        // Each stopped sandbox unregisters once its program has ended, which announces the smaller set.
        for (const sandbox of Array.from(this.#live.values())) sandbox.stop();
        return;
      case 'live':
        if (message.blocks.length === 0) this.#otherPages.delete(message.page);
        else if (this.#otherPages.has(message.page) || this.#otherPages.size < MAX_OTHER_PAGES) this.#otherPages.set(message.page, message.blocks);
    }
  }
}

/** The page's registry, shared with the site's other open pages where the browser can. */
export const liveSandboxes = new LiveSandboxRegistry({openChannel: openBrowserPageChannel, watchPage: watchBrowserPage});
