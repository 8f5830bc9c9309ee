/**
 * The environment of one page session on this page, shared by its step blocks:
 * which environment it is and what has run in it, which of the page's blocks
 * runs a step there now, and Reset. Blocks attach through `PageEnvironments`,
 * which makes one store per API base and page session, sends `leave` when the
 * page goes away and forgets a store once its last block is gone.
 */
import type {EnvironmentInfo} from '../protocol/index.js';
import {fetchEnvironmentState, leaveEnvironment, removeEnvironment, type EnvironmentFetch} from './environment-api.js';
import {forgetEnvironment, loadEnvironment, readEnvironmentInfo, saveEnvironment, type KnownEnvironment} from './environment.js';
import {watchBrowserPage} from './page-channel.js';
import type {PageSessionInfo} from './steps.js';
import type {KeyValueStorage} from './storage.js';

export interface EnvironmentStoreOptions {
  /** The API base (see `apiBase`, no trailing slash). */
  base: string;
  session: PageSessionInfo;
  storage?: KeyValueStorage;
  fetch: EnvironmentFetch;
  /** The operator's bearer token (jwt auth mode) for GET and DELETE; `leave` goes without, the page cannot wait for one. */
  getAuthToken?: () => Promise<string | undefined>;
}

/** A step running in the environment, as the block that runs it registered it. */
interface RunningStep {
  readonly owner: object;
  stop(): void;
}

export class EnvironmentStore {
  readonly session: PageSessionInfo;
  readonly #options: EnvironmentStoreOptions;
  #environment: KnownEnvironment | undefined;
  /** Bumped by every change: a GET answered after a newer POST answer is dropped. */
  #version = 0;
  #running: RunningStep | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #resetListeners = new Set<() => void>();

  constructor(options: EnvironmentStoreOptions) {
    this.#options = options;
    this.session = options.session;
    this.#environment = loadEnvironment(options.storage, options.base, options.session.id);
  }

  /** The environment the page holds, or undefined; a new object on every change (a stable snapshot for UIs). */
  get environment(): KnownEnvironment | undefined {
    return this.#environment;
  }

  /** Calls `listener` on every change of `environment`; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` when the environment is reset or replaced by a catch-up: the blocks' runs end and they return to idle. */
  onReset(listener: () => void): () => void {
    this.#resetListeners.add(listener);
    return () => this.#resetListeners.delete(listener);
  }

  /** Keeps the environment a POST answered with (`CreateSessionResponse.environment`); ignores one of another page session. */
  accept(info: EnvironmentInfo): void {
    const environment = readEnvironmentInfo(info, this.session.id);
    if (environment) this.#set(environment);
  }

  /** Drops the environment without telling the server (it answered that it no longer has it, or that it is not ours). */
  forget(): void {
    if (this.#environment) this.#set(undefined);
  }

  /** Asks the server what it knows of the stored environment: refreshes `ran`, or forgets it when gone (404, 401). */
  async refresh(): Promise<void> {
    const environment = this.#environment;
    if (!environment) return;
    const version = this.#version;
    const state = await fetchEnvironmentState(this.#options.fetch, this.#options.base, environment.ref, this.session.id, await this.#bearer());
    // A run's answer came first: it is newer than what this GET saw.
    if (version !== this.#version) return;
    if (state.state === 'gone') this.#set(undefined);
    else if (state.state === 'found') this.#set(state.environment);
  }

  /**
   * Reset environment (and a catch-up's fresh start): the blocks end their
   * runs and return to idle at once, then the server removes the environment
   * and its container. Resolves once the DELETE was answered.
   */
  async reset(): Promise<void> {
    const environment = this.#environment;
    this.#running = undefined;
    this.#set(undefined);
    for (const listener of Array.from(this.#resetListeners)) listener();
    if (environment) await removeEnvironment(this.#options.fetch, this.#options.base, environment.ref, await this.#bearer());
  }

  /** The page goes away: the server ends the environment unless the page comes back within its grace (a reload). */
  leave(): void {
    if (this.#environment) leaveEnvironment(this.#options.fetch, this.#options.base, this.#environment.ref);
  }

  /** A block runs a step in the environment now; returns the release (harmless to call twice, or after another claimed it). */
  claim(owner: object, stop: () => void): () => void {
    const running: RunningStep = {owner, stop};
    this.#running = running;
    return () => {
      if (this.#running === running) this.#running = undefined;
    };
  }

  /** Another block of the page runs a step in the environment. */
  otherRunning(owner: object): boolean {
    return this.#running !== undefined && this.#running.owner !== owner;
  }

  /** Stops the step another block of the page runs there; false when there is none. */
  stopOther(owner: object): boolean {
    if (!this.otherRunning(owner)) return false;
    this.#running!.stop();
    return true;
  }

  #set(environment: KnownEnvironment | undefined): void {
    this.#version += 1;
    this.#environment = environment;
    if (environment) saveEnvironment(this.#options.storage, this.#options.base, environment);
    else forgetEnvironment(this.#options.storage, this.#options.base, this.session.id);
    for (const listener of Array.from(this.#listeners)) listener();
  }

  async #bearer(): Promise<string | undefined> {
    try {
      return await this.#options.getAuthToken?.();
    } catch {
      // Not signed in: the server answers 401, which the caller reads as it reads any refusal.
      return undefined;
    }
  }
}

export interface PageEnvironmentsOptions {
  /** The browser's session storage, looked up when first needed (never during server-side rendering). */
  storage?: () => KeyValueStorage | undefined;
  fetch?: EnvironmentFetch;
  /** Tells when the page goes away and comes back (see `watchBrowserPage`); called once, on the first attach. */
  watchPage?: (hidden: () => void, shown: () => void) => void;
}

/** One block's hold on its page session's store. */
export interface AttachedEnvironment {
  readonly store: EnvironmentStore;
  /** The block is gone; the last one to go sends `leave` and forgets the store. Idempotent. */
  detach(): void;
}

/** At most this many page sessions are held at once: a page has one or two, and each detaches when its blocks unmount. */
export const MAX_PAGE_SESSIONS = 32;

export class PageEnvironments {
  readonly #options: PageEnvironmentsOptions;
  readonly #stores = new Map<string, {store: EnvironmentStore; blocks: number}>();
  #watching = false;

  constructor(options: PageEnvironmentsOptions = {}) {
    this.#options = options;
  }

  /**
   * The store of a page session for one block. The first block to attach
   * loads the stored environment and asks the server for its state.
   */
  attach(base: string, session: PageSessionInfo, getAuthToken?: () => Promise<string | undefined>): AttachedEnvironment {
    this.#watch();
    const key = `${base}|${session.id}`;
    let entry = this.#stores.get(key);
    if (!entry) {
      const store = new EnvironmentStore({
        base,
        session,
        storage: this.#options.storage?.(),
        fetch: this.#options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
        getAuthToken,
      });
      entry = {store, blocks: 0};
      // Past the bound the store still works, it is just not shared: the page has gone badly wrong anyway.
      if (this.#stores.size < MAX_PAGE_SESSIONS) this.#stores.set(key, entry);
      void store.refresh();
    }
    entry.blocks += 1;
    const held = entry;
    let detached = false;
    return {
      store: held.store,
      detach: () => {
        if (detached) return;
        detached = true;
        held.blocks -= 1;
        if (held.blocks > 0) return;
        // A client-side navigation away is the page going away for this tutorial; a quick return finds it in storage.
        held.store.leave();
        if (this.#stores.get(key) === held) this.#stores.delete(key);
      },
    };
  }

  /** Every held environment is told that the page went away. */
  leaveAll(): void {
    for (const {store} of Array.from(this.#stores.values())) store.leave();
  }

  /** A page back from the back/forward cache may find its environments ended: ask again. */
  refreshAll(): void {
    for (const {store} of Array.from(this.#stores.values())) void store.refresh();
  }

  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#options.watchPage?.(
      () => this.leaveAll(),
      () => this.refreshAll(),
    );
  }
}

/** The browser's session storage, or undefined where reading it throws (storage disabled) or there is none (SSR). */
export function browserSessionStorage(): KeyValueStorage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * The page's environments. A module-level instance on purpose, like the
 * live-sandbox registry: every step block of a page session must see the same
 * store, and the blocks are rendered independently. It touches nothing of the
 * browser until a block attaches.
 */
export const pageEnvironments = new PageEnvironments({storage: browserSessionStorage, watchPage: watchBrowserPage});
