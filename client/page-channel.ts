/**
 * How the site's open pages tell each other about the reader's live
 * sandboxes: the messages of one `BroadcastChannel` (same origin, every tab
 * and window of the browser profile), checked as untrusted input because a
 * page of another version of the site may be open beside this one.
 */

/** The channel's name; pages of one origin share it. */
export const PAGE_CHANNEL_NAME = 'docusaurus-sandbox';

/** At most this many block ids are read from one page's announcement (a page has a handful of blocks). */
export const MAX_ANNOUNCED_BLOCKS = 200;

export type PageMessage =
  /** A page's live sandboxes (by block id), sent whenever they change; none = the page has none or is going away. */
  | {kind: 'live'; page: string; blocks: string[]}
  /** A page that just joined asks the others to announce theirs. */
  | {kind: 'hello'; page: string}
  /** "Stop my other sandboxes": every other page stops all of its live sandboxes. */
  | {kind: 'stop-all'; page: string};

/** What the registry needs of a channel; the browser's `BroadcastChannel` behind it, a fake in tests. */
export interface PageChannel {
  post(message: PageMessage): void;
  /** Sets the one receiver of the other pages' messages (raw: check them with `readPageMessage`). */
  listen(receive: (data: unknown) => void): void;
  close(): void;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** A message of the channel, or undefined for anything malformed. */
export function readPageMessage(data: unknown): PageMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const {kind, page, blocks} = data as {kind?: unknown; page?: unknown; blocks?: unknown};
  if (!isString(page) || page === '') return undefined;
  if (kind === 'hello' || kind === 'stop-all') return {kind, page};
  if (kind !== 'live' || !Array.isArray(blocks)) return undefined;
  return {kind, page, blocks: blocks.slice(0, MAX_ANNOUNCED_BLOCKS).filter(isString)};
}

/**
 * The browser's channel, or undefined where there is none: during server-side
 * rendering (Node has a `BroadcastChannel`, and an open one would keep the
 * build's process alive) and in browsers without it. Then "stop my other
 * sandboxes" reaches the current page only.
 */
export function openBrowserPageChannel(): PageChannel | undefined {
  if (typeof window === 'undefined' || typeof BroadcastChannel !== 'function') return undefined;
  let channel: BroadcastChannel;
  try {
    channel = new BroadcastChannel(PAGE_CHANNEL_NAME);
  } catch {
    return undefined;
  }
  return {
    post: (message) => {
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel (the page is being torn down): nothing to tell any more.
      }
    },
    listen: (receive) => {
      channel.onmessage = (event: MessageEvent) => receive(event.data);
    },
    close: () => channel.close(),
  };
}

/**
 * Calls `hidden` when the page goes away (closed, navigated from, or put in the
 * back/forward cache) and `shown` when a cached page comes back, so the other
 * pages stop counting its sandboxes meanwhile.
 */
export function watchBrowserPage(hidden: () => void, shown: () => void): void {
  if (typeof window === 'undefined') return;
  window.addEventListener('pagehide', hidden);
  window.addEventListener('pageshow', (event: PageTransitionEvent) => {
    if (event.persisted) shown();
  });
}

/** An id for this page among the open ones (not a secret: it only tells the pages' messages apart). */
export function newPageId(): string {
  const random = globalThis.crypto?.randomUUID?.();
  return random ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
