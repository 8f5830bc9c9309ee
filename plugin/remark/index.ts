// A site's docusaurus.config.ts imports this entry: its types bring `@theme/Sandbox` and its parts along,
// so a page importing `@theme/Sandbox` typechecks with no extra step; `preserve` keeps the line in the .d.ts.
/// <reference types="docusaurus-sandbox/theme" preserve="true" />
/**
 * `docusaurus-sandbox/remark`: turns ```sandbox fences and `:::sandbox{...}`
 * directives into `<Sandbox block="{json}" display="{json}"/>` MDX elements
 * (`display` only when a file has line numbers or highlighted lines) and
 * imports `Sandbox` from `@theme/Sandbox` into each page that has one. Usable
 * in any unified pipeline that has remark-directive (Docusaurus already
 * includes it).
 */
import type {Root} from 'mdast';
import type {VFile} from 'vfile';
import type {SandboxConfig, SandboxConfigInput} from '../../config/schema.js';
import {findSiteDir, resolveSandboxConfig, sourcePath} from './config.js';
import {transformSandboxBlocks} from './transform.js';

export interface RemarkSandboxOptions {
  /** Config file, relative to the site directory. Default: sandbox.config.json when present. */
  configFile?: string;
  /** The configuration itself; wins over `configFile`. */
  config?: SandboxConfigInput;
  /** Site directory; source paths (and so ids) are relative to it. Default: the folder of the nearest docusaurus.config.*, else the working directory. */
  siteDir?: string;
}

export {OPTION_TABLE} from './options.js';
export {parseMeta, MetaSyntaxError} from './meta.js';
export {transformSandboxBlocks} from './transform.js';

export default function remarkSandbox(options: RemarkSandboxOptions = {}) {
  // Configs are read once per site directory, not once per page.
  const configs = new Map<string, SandboxConfig>();
  return (tree: Root, file: VFile): undefined => {
    const siteDir = options.siteDir ?? (file.path ? findSiteDir(file.path, process.cwd()) : process.cwd());
    let config = configs.get(siteDir);
    if (!config) {
      config = resolveSandboxConfig({config: options.config, configFile: options.configFile, siteDir});
      configs.set(siteDir, config);
    }
    transformSandboxBlocks(tree, file, {config, source: file.path ? sourcePath(siteDir, file.path) : '<input>'});
  };
}
