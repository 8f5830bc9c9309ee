/**
 * Where a VitePress site is: its root is the folder holding `.vitepress`
 * (the config and the theme). Source paths, and so block ids, are relative to
 * it, and its sandbox.config.json is read from there, as on Docusaurus from
 * the folder of docusaurus.config.*.
 */
import {existsSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';

export const VITEPRESS_DIR = '.vitepress';

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** The nearest folder above `filePath` holding a `.vitepress` folder, else the working directory. */
export function findVitePressRoot(filePath: string, fallback: string = process.cwd()): string {
  let dir = dirname(resolve(filePath));
  for (;;) {
    if (isDirectory(join(dir, VITEPRESS_DIR))) return dir;
    const up = dirname(dir);
    if (up === dir) return fallback;
    dir = up;
  }
}
