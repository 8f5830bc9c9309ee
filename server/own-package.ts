/**
 * This package's own package.json: the nearest one named docusaurus-sandbox
 * above a module (the sources and dist/ sit at different depths), for the
 * version the CLI and the MCP server report and the backend's package list.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

export interface OwnPackage<Manifest> {
  /** The folder that holds it. */
  dir: string;
  manifest: Manifest;
}

export function ownPackage<Manifest extends {name?: string; version?: string}>(from: string = import.meta.url): OwnPackage<Manifest> | undefined {
  for (let url = new URL('./', from); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as Manifest;
      if (manifest.name === 'docusaurus-sandbox') return {dir: fileURLToPath(url), manifest};
    } catch {
      // no package.json here: one folder up
    }
  }
  return undefined;
}

export function packageVersion(from?: string): string {
  const version = ownPackage(from)?.manifest.version;
  return typeof version === 'string' ? version : 'unknown';
}
