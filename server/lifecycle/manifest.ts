/** The built site's manifest: the blocks a server started on that site lets run. */
import {readFileSync} from 'node:fs';
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
  const manifest = JSON.parse(text) as SandboxManifest;
  if (manifest.version !== MANIFEST_VERSION || !Array.isArray(manifest.blocks)) {
    throw new Error(`${MANIFEST_FILE} in ${siteDir} is not a version ${MANIFEST_VERSION} manifest; rebuild the site`);
  }
  return manifest;
}
