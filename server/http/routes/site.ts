/**
 * The built static site, with its `404.html` for pages that do not exist.
 * `extensions` serves `docs/intro.html` at `/docs/intro` (Docusaurus with
 * trailingSlash: false); directories with index.html cover the default layout.
 */
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import express, {Router} from 'express';

export function siteRoutes(siteDir: string): Router {
  const router = Router();
  const root = resolve(siteDir);
  router.use(express.static(root, {index: 'index.html', redirect: true, fallthrough: true, extensions: ['html']}));
  const notFoundPage = join(root, '404.html');
  router.use((request, response, next) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && existsSync(notFoundPage)) {
      response.status(404).sendFile(notFoundPage);
      return;
    }
    next();
  });
  return router;
}
