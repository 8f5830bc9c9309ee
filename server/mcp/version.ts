/** The package's version, for the MCP server's `serverInfo`. */
import {readFileSync} from 'node:fs';

/** The nearest package.json of this package above this file (src/ and dist/ sit at different depths). */
export function packageVersion(from: string = import.meta.url): string {
  for (let url = new URL('./', from); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const found = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {name?: string; version?: string};
      if (found.name === 'docusaurus-sandbox' && typeof found.version === 'string') return found.version;
    } catch {
      // no package.json here: one folder up
    }
  }
  return 'unknown';
}
