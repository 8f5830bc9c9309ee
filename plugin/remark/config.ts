/**
 * How the remark plugin finds the site and its sandbox.config.json. The site
 * directory matters because ids hash the site-relative source path: the
 * Docusaurus plugin (which knows `siteDir`) must compute the same ids.
 */
import {existsSync} from 'node:fs';
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path';
import {loadConfig, normalizeConfig} from '../../config/normalize.js';
import type {SandboxConfig, SandboxConfigInput} from '../../config/schema.js';

export const DEFAULT_CONFIG_FILE = 'sandbox.config.json';

const SITE_CONFIG_FILES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((extension) => `docusaurus.config.${extension}`);

/** The nearest folder above `filePath` holding a docusaurus.config.*, else `fallback`. */
export function findSiteDir(filePath: string, fallback: string): string {
  let dir = dirname(resolve(filePath));
  for (;;) {
    if (SITE_CONFIG_FILES.some((name) => existsSync(join(dir, name)))) return dir;
    const up = dirname(dir);
    if (up === dir) return fallback;
    dir = up;
  }
}

/** Site-relative source path with POSIX separators, as ids and messages use it. */
export function sourcePath(siteDir: string, filePath: string): string {
  const path = isAbsolute(filePath) ? relative(siteDir, filePath) : filePath;
  return path.split(sep).join('/');
}

/**
 * The config from `config` (an object), else from `configFile` (relative to
 * the site), else from sandbox.config.json in the site when present, else the
 * defaults.
 */
export function resolveSandboxConfig(options: {config?: SandboxConfigInput | undefined; configFile?: string | undefined; siteDir: string}): SandboxConfig {
  if (options.config) return normalizeConfig(options.config);
  if (options.configFile) return loadConfig({file: resolve(options.siteDir, options.configFile)});
  return loadConfig({file: join(options.siteDir, DEFAULT_CONFIG_FILE), optionalFile: true});
}
