/**
 * Which page of a built site shows which block: the theme renders every block
 * with `data-sandbox-id="<id>"`, so the built HTML tells (front-matter slugs
 * included, which the source path alone cannot).
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join, relative, sep} from 'node:path';

/** A site's pages are few; these only keep a stray huge build folder from stalling the start. */
const MAX_PAGES = 5000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const BLOCK_ATTRIBUTE = /data-sandbox-id="([^"]{1,128})"/g;

/** `blog/x/index.html` → `/blog/x`; `404.html` → `/404.html`. */
export function pageUrlOf(relativeHtmlPath: string): string {
  const path = relativeHtmlPath.split(sep).join('/');
  if (path === 'index.html') return '/';
  return `/${path.replace(/\/index\.html$/, '')}`;
}

/**
 * Block id → page URL. A block also shown on a list page (a blog index, a tag
 * page) keeps the page with the longest path: the post's own page.
 */
export function indexPages(htmlByPath: Iterable<[string, string]>): Map<string, string> {
  const pages = new Map<string, string>();
  for (const [path, html] of htmlByPath) {
    const url = pageUrlOf(path);
    for (const match of html.matchAll(BLOCK_ATTRIBUTE)) {
      const id = match[1]!;
      const known = pages.get(id);
      if (known === undefined || url.length > known.length) pages.set(id, url);
    }
  }
  return pages;
}

function* htmlFiles(siteDir: string): Generator<[string, string]> {
  const pending = [siteDir];
  let seen = 0;
  while (pending.length > 0 && seen < MAX_PAGES) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, {withFileTypes: true});
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'assets') pending.push(path);
      } else if (entry.isFile() && entry.name.endsWith('.html') && seen < MAX_PAGES) {
        seen++;
        if (statSync(path).size <= MAX_PAGE_BYTES) yield [relative(siteDir, path), readFileSync(path, 'utf8')];
      }
    }
  }
}

/** The page index of a built site folder (empty when it holds no HTML). */
export function readPageIndex(siteDir: string): Map<string, string> {
  return indexPages(htmlFiles(siteDir));
}
