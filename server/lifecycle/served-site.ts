/**
 * What the server knows of the site it serves: the runnable blocks of every
 * locale's manifest and the base paths of the site and the API, both swapped
 * when a rebuild of the served build folder completes (see `site-watch.ts`).
 */
import type {SandboxBlock, SandboxManifest} from '../../config/index.js';
import {basePathsOf, normalizeBasePath, type BasePaths} from '../http/base-path.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import {LiveBlocks} from './live-blocks.js';
import {findManifestFiles, readSiteManifests, type LocaleManifest} from './manifest.js';
import {SiteWatch, type SiteWatchOptions} from './site-watch.js';

export interface ServedSiteOptions {
  /** A built site: its manifests are read now and watched from `start()`. */
  siteDir?: string | undefined;
  /** Blocks given directly (they win over the site's at start). */
  manifest?: SandboxManifest | undefined;
  /** The site's base path; default the build's (its manifest's `baseUrl`), else '/'. */
  baseUrl?: string | undefined;
  clock: Clock;
  /** `server.manifestGrace`. */
  graceMs: number;
  log: LogFunction;
  /** Timings and the fs.watch seam, for tests. */
  watch?: Pick<SiteWatchOptions, 'debounceMs' | 'pollMs' | 'watch'> | undefined;
}

export class ServedSite {
  readonly #blocks: LiveBlocks;
  readonly #baseUrl: string | undefined;
  readonly #watch: SiteWatch | undefined;
  #bases: BasePaths;

  /** Throws when the site's manifest is present but unusable (another version, not JSON): rebuild the site. */
  constructor(private readonly options: ServedSiteOptions) {
    if (options.baseUrl !== undefined && normalizeBasePath(options.baseUrl) === undefined) {
      throw new Error(`the base URL ${JSON.stringify(options.baseUrl)} is not a path such as "/" or "/mysite/"`);
    }
    this.#baseUrl = options.baseUrl;
    this.#blocks = new LiveBlocks({clock: options.clock, graceMs: options.graceMs});
    let locales: LocaleManifest[] = [];
    if (options.manifest) {
      locales = [{locale: '', manifest: options.manifest}];
    } else if (options.siteDir) {
      const files = findManifestFiles(options.siteDir);
      // No manifest yet (a site without blocks, or a build still to come) is not an error: the watch picks it up.
      if (files.some((file) => file.locale === '')) {
        const read = readSiteManifests(options.siteDir, files);
        if (!read.ok) throw new Error(read.reason);
        locales = read.manifests;
      }
    }
    this.#blocks.set(locales.map((entry) => entry.manifest));
    this.#bases = this.#basesOf(locales);
    const {siteDir} = options;
    this.#watch = siteDir
      ? new SiteWatch({siteDir, clock: options.clock, log: options.log, onManifests: (manifests) => this.#reload(manifests), ...options.watch})
      : undefined;
  }

  /** The runnable blocks by id (the current build's and, for the grace, the previous builds'). */
  blocks(): ReadonlyMap<string, SandboxBlock> {
    return this.#blocks.blocks();
  }

  basePaths(): BasePaths {
    return this.#bases;
  }

  /** Replaces the blocks at once, without a grace (the dev backend, tests). */
  setManifest(manifest: SandboxManifest): void {
    const locales = [{locale: '', manifest}];
    this.#blocks.set([manifest]);
    this.#bases = this.#basesOf(locales);
  }

  /** Starts watching the site folder (when there is one). */
  start(): void {
    this.#watch?.start();
  }

  /** A completed rebuild: the new manifests run, the dropped blocks stay runnable for the grace. */
  #reload(locales: LocaleManifest[]): void {
    const {blocks, retired} = this.#blocks.replace(locales.map((entry) => entry.manifest));
    this.#bases = this.#basesOf(locales);
    this.options.log('info', 'site manifests reloaded', {
      blocks,
      retired,
      graceMs: this.options.graceMs,
      locales: locales.map((entry) => entry.locale || '(default)'),
      baseUrl: this.#bases.site,
    });
  }

  #basesOf(locales: readonly LocaleManifest[]): BasePaths {
    const root = locales.find((entry) => entry.locale === '')?.manifest.baseUrl;
    return basePathsOf(
      this.#baseUrl ?? root,
      locales.filter((entry) => entry.locale !== '').map((entry) => ({locale: entry.locale, baseUrl: entry.manifest.baseUrl})),
    );
  }

  /** Idempotent. */
  dispose(): void {
    this.#watch?.dispose();
  }
}
