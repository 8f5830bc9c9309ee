/**
 * The build manifest (`sandbox-manifest.json`): every block of every Markdown
 * source the content plugins loaded. It is computed by scanning the sources,
 * not by collecting from the remark plugin, because a warm build skips remark
 * for cached files and every file is compiled twice (server and client).
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {MANIFEST_FILE, MANIFEST_VERSION, type SandboxBlock, type SandboxManifest} from '../config/block.js';
import type {SandboxConfig} from '../config/schema.js';
import {sourcePath} from './remark/config.js';
import {scanMarkdown, type MarkdownFormat} from './remark/scan.js';

const MARKDOWN = /\.mdx?$/i;

type Loaded = Record<string, Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const sourceOf = (value: unknown): string | undefined =>
  isRecord(value) && typeof value.source === 'string' && MARKDOWN.test(value.source) ? value.source : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The Markdown sources (`@site/...` or absolute) of every docs version, blog
 * and pages instance. Each locale is its own build, so the current locale's
 * sources (translated files included) are what `allContent` holds.
 */
export function markdownSources(allContent: Loaded): string[] {
  const sources = new Set<string>();
  const add = (value: unknown) => {
    const source = sourceOf(value);
    if (source) sources.add(source);
  };
  for (const content of Object.values(allContent['docusaurus-plugin-content-docs'] ?? {})) {
    for (const version of list(isRecord(content) ? content.loadedVersions : undefined)) {
      for (const doc of list(isRecord(version) ? version.docs : undefined)) add(doc);
    }
  }
  for (const content of Object.values(allContent['docusaurus-plugin-content-blog'] ?? {})) {
    for (const post of list(isRecord(content) ? content.blogPosts : undefined)) add(isRecord(post) ? post.metadata : undefined);
  }
  for (const content of Object.values(allContent['docusaurus-plugin-content-pages'] ?? {})) {
    for (const page of list(content)) add(page);
  }
  return [...sources].sort();
}

/** `@site/docs/x.md` → `<siteDir>/docs/x.md`. */
export function resolveSiteSource(source: string, siteDir: string): string {
  return source.startsWith('@site/') ? join(siteDir, source.slice('@site/'.length)) : source;
}

export interface ManifestInput {
  siteDir: string;
  sources: string[];
  config: SandboxConfig;
  format?: MarkdownFormat;
}

export async function collectManifest(input: ManifestInput): Promise<SandboxManifest> {
  const files = await Promise.all(
    input.sources.map(async (aliased) => {
      const path = resolveSiteSource(aliased, input.siteDir);
      return {source: sourcePath(input.siteDir, path), text: await readFile(path, 'utf8')};
    }),
  );
  return manifestOf(files, input.config, input.format);
}

/** Pure: the manifest of already-read sources, deduplicated by id and sorted so every build writes the same bytes. */
export function manifestOf(files: {source: string; text: string}[], config: SandboxConfig, format?: MarkdownFormat): SandboxManifest {
  const byId = new Map<string, SandboxBlock>();
  for (const {source, text} of files) {
    for (const block of scanMarkdown(text, {source, config, ...(format ? {format} : {})})) byId.set(block.id, block);
  }
  const blocks = [...byId.values()].sort(
    (a, b) => compare(a.source, b.source) || a.line - b.line || compare(a.id, b.id),
  );
  return {version: MANIFEST_VERSION, blocks};
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const serializeManifest = (manifest: SandboxManifest) => `${JSON.stringify(manifest, null, 2)}\n`;

export async function writeManifest(outDir: string, manifest: SandboxManifest): Promise<string> {
  await mkdir(outDir, {recursive: true});
  const path = join(outDir, MANIFEST_FILE);
  await writeFile(path, serializeManifest(manifest));
  return path;
}
