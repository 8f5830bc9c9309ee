/**
 * Watches a served build for new manifests, so a redeploy (a rebuild into the
 * same folder, or a folder swapped in place) is picked up without a restart.
 *
 * `fs.watch` says quickly that something changed, but it misses events on
 * some file systems (network mounts, some container bind mounts) and a watch
 * on a folder that is deleted and made again watches nothing; so a periodic
 * check runs as well and re-establishes the watches. Both only lead to
 * `check()`, which reads nothing while the files' sizes and times are
 * unchanged. A build writes many files in a burst: after an event the check
 * waits until the folder has been quiet for the debounce.
 *
 * A build that is missing, not finished or half-written is not used: the
 * server keeps the manifests it has and the log says why, once per reason.
 */
import {watch as fsWatch, statSync} from 'node:fs';
import {join} from 'node:path';
import type {Clock, TimerHandle} from '../clock.js';
import type {LogFunction} from '../log.js';
import {findManifestFiles, manifestFingerprint, readSiteManifests, type LocaleManifest, type ManifestFile} from './manifest.js';

/** The part of an `fs.FSWatcher` used here. */
export interface FolderWatcher {
  close(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Watches one folder (not recursively); the seam for tests. */
export type WatchFolder = (path: string, onChange: () => void) => FolderWatcher;

const watchFolder: WatchFolder = (path, onChange) => {
  const watcher = fsWatch(path, {persistent: false}, () => onChange());
  return watcher;
};

export const DEFAULT_DEBOUNCE_MS = 1_000;
export const DEFAULT_POLL_MS = 5_000;

export interface SiteWatchOptions {
  siteDir: string;
  clock: Clock;
  log: LogFunction;
  /** Called with every locale's manifests once a changed build reads as complete. */
  onManifests: (manifests: LocaleManifest[]) => void;
  /** Quiet time after the last file-system event before the check. */
  debounceMs?: number;
  /** Interval of the check that does not rely on events. */
  pollMs?: number;
  watch?: WatchFolder;
}

export class SiteWatch {
  readonly #options: SiteWatchOptions;
  readonly #watch: WatchFolder;
  /** Watched folders by path, with the inode watched: a folder made again is watched again. */
  readonly #watchers = new Map<string, {watcher: FolderWatcher; inode: number}>();
  #fingerprint: string | undefined;
  #problem: string | undefined;
  #debounce: TimerHandle | undefined;
  #poll: TimerHandle | undefined;
  #disposed = false;

  constructor(options: SiteWatchOptions) {
    this.#options = options;
    this.#watch = options.watch ?? watchFolder;
  }

  /**
   * Starts watching; what is on disk now counts as loaded (the server read it
   * at start), so only a later change leads to `onManifests`.
   */
  start(): void {
    if (this.#disposed || this.#poll) return;
    const files = findManifestFiles(this.#options.siteDir);
    this.#fingerprint = manifestFingerprint(files);
    this.#rewatch(files);
    this.#poll = this.#options.clock.setInterval(() => this.check(), this.#options.pollMs ?? DEFAULT_POLL_MS);
  }

  /** Reads the build when its manifest files changed since the last check. */
  check(): void {
    if (this.#disposed) return;
    const {siteDir, log} = this.#options;
    const files = findManifestFiles(siteDir);
    this.#rewatch(files);
    const fingerprint = manifestFingerprint(files);
    if (fingerprint === this.#fingerprint) return;
    this.#fingerprint = fingerprint;
    const read = readSiteManifests(siteDir, files);
    if (!read.ok) {
      if (read.reason !== this.#problem) {
        log('warn', 'site manifests not reloaded; the blocks of the last good build keep running', {reason: read.reason});
      }
      this.#problem = read.reason;
      return;
    }
    this.#problem = undefined;
    this.#options.onManifests(read.manifests);
  }

  #schedule(): void {
    if (this.#disposed) return;
    const {clock} = this.#options;
    clock.clearTimeout(this.#debounce);
    this.#debounce = clock.setTimeout(() => {
      this.#debounce = undefined;
      this.check();
    }, this.#options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }

  /** Watches the build folder and every folder holding a locale manifest; drops watches on folders gone or replaced. */
  #rewatch(files: readonly ManifestFile[]): void {
    const {siteDir} = this.#options;
    const wanted = new Map<string, number>();
    for (const path of [siteDir, ...files.filter((file) => file.locale !== '').map((file) => join(siteDir, file.locale))]) {
      const inode = inodeOf(path);
      if (inode !== undefined) wanted.set(path, inode);
    }
    for (const [path, entry] of this.#watchers) {
      if (wanted.get(path) !== entry.inode) this.#unwatch(path);
    }
    for (const [path, inode] of wanted) {
      if (this.#watchers.has(path)) continue;
      try {
        const watcher = this.#watch(path, () => this.#schedule());
        // A watch that fails later (its folder deleted) is dropped; the periodic check watches again.
        watcher.on('error', () => this.#unwatch(path));
        this.#watchers.set(path, {watcher, inode});
      } catch {
        // Out of inotify watches, or the folder went away meanwhile: the periodic check still sees changes.
      }
    }
  }

  #unwatch(path: string): void {
    this.#watchers.get(path)?.watcher.close();
    this.#watchers.delete(path);
  }

  /** Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#options.clock.clearTimeout(this.#debounce);
    this.#options.clock.clearInterval(this.#poll);
    for (const path of [...this.#watchers.keys()]) this.#unwatch(path);
  }
}

function inodeOf(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? stat.ino : undefined;
  } catch {
    return undefined;
  }
}
