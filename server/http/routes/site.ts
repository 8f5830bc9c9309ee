/**
 * The built static site, with its `404.html` for pages that do not exist.
 * `extensions` serves `docs/intro.html` at `/docs/intro` (Docusaurus with
 * trailingSlash: false); directories with index.html cover the default layout.
 *
 * While the build folder is missing (a rebuild that deleted it, or one that
 * failed), pages answer 503 with Retry-After instead of 404: the page is
 * coming back, and the API keeps running the last good manifest's blocks.
 * Copying the site to serve an old copy would double its disk use for a
 * state that lasts seconds.
 */
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import express, {Router, type RequestHandler} from 'express';

/** Seconds a reader's browser (or a proxy) is asked to wait while the build folder is missing. */
export const REBUILDING_RETRY_AFTER_S = 10;

const NOT_FOUND_PAGE = '404.html';

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

export function siteRoutes(siteDir: string): Router {
  const router = Router();
  const root = resolve(siteDir);
  router.use((request, response, next) => {
    if (!isRead(request.method) || existsSync(root)) {
      next();
      return;
    }
    response.status(503).set('Retry-After', String(REBUILDING_RETRY_AFTER_S)).type('text/plain');
    response.send('This site is being rebuilt; try again in a moment.\n');
  });
  router.use(express.static(root, {index: 'index.html', redirect: true, fallthrough: true, extensions: ['html']}));
  router.use(notFoundPage(siteDir));
  return router;
}

/** The site's own `404.html` for a page read that found nothing (when the build has one). */
export function notFoundPage(siteDir: string): RequestHandler {
  const root = resolve(siteDir);
  const page = join(root, NOT_FOUND_PAGE);
  return (request, response, next) => {
    if (isRead(request.method) && existsSync(page)) {
      // Relative to `root`: `send` refuses a path with a dot folder in it, and VitePress builds into `.vitepress/dist`.
      response.status(404).sendFile(NOT_FOUND_PAGE, {root});
      return;
    }
    next();
  };
}
