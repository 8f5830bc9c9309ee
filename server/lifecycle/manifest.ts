/**
 * The built site's manifests: the blocks a server started on that site lets
 * run. A Docusaurus build writes `sandbox-manifest.json` at the root of the
 * build for the default locale and `<locale>/sandbox-manifest.json` for every
 * other locale (each locale is its own build into its own folder).
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {MANIFEST_FILE, MANIFEST_VERSION, type SandboxManifest} from '../../config/index.js';

/** The manifest in `siteDir`; undefined when there is none; throws when it is of another version. */
export function readManifest(siteDir: string): SandboxManifest | undefined {
  let text: string;
  try {
    text = readFileSync(join(siteDir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return parseManifest(text, siteDir);
}

/** Throws when `text` is not a manifest of this version (the message names `where` and the fix). */
export function parseManifest(text: string, where: string): SandboxManifest {
  const manifest = JSON.parse(text) as SandboxManifest;
  if (manifest?.version !== MANIFEST_VERSION || !Array.isArray(manifest.blocks)) {
    throw new Error(`${MANIFEST_FILE} in ${where} is not a version ${MANIFEST_VERSION} manifest; rebuild the site`);
  }
  return manifest;
}

/** One locale's manifest file: `locale` is '' for the default locale (the build's root). */
export interface ManifestFile {
  locale: string;
  path: string;
}

/**
 * A build's top level holds a few dozen entries (assets, docs, blog, img, one
 * folder per locale); this caps the folders looked into for a locale manifest,
 * so a site directory that is not a build costs bounded work per check.
 */
export const MAX_LOCALE_FOLDERS = 256;

/** The manifest files present now: the root's first, then each locale folder's, sorted. */
export function findManifestFiles(siteDir: string): ManifestFile[] {
  const files: ManifestFile[] = [];
  const root = join(siteDir, MANIFEST_FILE);
  if (isFile(root)) files.push({locale: '', path: root});
  let entries: string[] = [];
  try {
    entries = readdirSync(siteDir, {withFileTypes: true})
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
      .slice(0, MAX_LOCALE_FOLDERS);
  } catch {
    return files;
  }
  for (const name of entries) {
    const path = join(siteDir, name, MANIFEST_FILE);
    if (isFile(path)) files.push({locale: name, path});
  }
  return files;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * A cheap summary of the manifest files (path, size, modification time and
 * inode): when it is unchanged since the last check nothing is read. A build
 * that rewrites a file changes its size or time, and one that replaces the
 * build folder changes the inode.
 */
export function manifestFingerprint(files: readonly ManifestFile[]): string {
  return files
    .map(({path}) => {
      try {
        const stat = statSync(path);
        return `${path}:${stat.size}:${stat.mtimeMs}:${stat.ino}`;
      } catch {
        return `${path}:gone`;
      }
    })
    .join('|');
}

export interface LocaleManifest {
  /** '' for the default locale. */
  locale: string;
  manifest: SandboxManifest;
}

export type SiteManifests =
  | {ok: true; manifests: LocaleManifest[]}
  /** Why the build cannot be used now; the server keeps what it has. */
  | {ok: false; reason: string};

/**
 * Reads every locale's manifest. Not usable (so the last good one is kept):
 * no root manifest (the build folder is missing, or a build is under way and
 * has not written it yet: Docusaurus writes it last, after every page), or a
 * manifest that does not parse (half-written, or of another version).
 */
export function readSiteManifests(siteDir: string, files: readonly ManifestFile[] = findManifestFiles(siteDir)): SiteManifests {
  if (!files.some((file) => file.locale === '')) {
    return {ok: false, reason: `no ${MANIFEST_FILE} in ${siteDir} (the build folder is missing, or a build has not finished)`};
  }
  const manifests: LocaleManifest[] = [];
  for (const {locale, path} of files) {
    const where = locale === '' ? siteDir : join(siteDir, locale);
    try {
      manifests.push({locale, manifest: parseManifest(readFileSync(path, 'utf8'), where)});
    } catch (error) {
      const detail = error instanceof SyntaxError ? `is not complete JSON (${error.message}); a build may still be writing it` : (error as Error).message;
      return {ok: false, reason: error instanceof SyntaxError ? `${path} ${detail}` : detail};
    }
  }
  return {ok: true, manifests};
}
