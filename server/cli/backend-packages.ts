/**
 * The backend's packages (Docker client, HTTP and WebSocket server, logger,
 * metrics, JWT, MCP) are optional peer dependencies: a docs site that only
 * builds pages does not install them. The commands that run the backend check
 * for them first and name what to install, instead of failing on the first
 * `import` with "Cannot find package". The list is the package's own
 * `peerDependenciesMeta`, so it cannot drift from package.json.
 */
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {ownPackage} from '../own-package.js';

export interface PackageManifest {
  name?: string;
  version?: string;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, {optional?: boolean}>;
}

export interface PackageRequirement {
  name: string;
  range: string;
}

/**
 * The peers a site brings with its docs framework, optional because a site
 * has one framework and not the other (Docusaurus: its core and React;
 * VitePress: itself and Vue): never the backend's, whichever site serves it.
 */
export const FRAMEWORK_PEERS: ReadonlySet<string> = new Set(['@docusaurus/core', 'react', 'vitepress', 'vue']);

/**
 * Peers of a backend feature the operator turns on, by the setting that
 * needs them: a server without that setting never loads them, and one with it
 * names the package when it starts (a cluster's Redis client: StartupError
 * `redis-client-missing`). Not among the packages every backend installs.
 */
export const FEATURE_PEERS: ReadonlyMap<string, string> = new Map([['ioredis', 'server.redis']]);

/** The optional peer dependencies but the frameworks' and the features', with the version range package.json asks for. */
export function backendPackages(manifest: PackageManifest): PackageRequirement[] {
  const meta = manifest.peerDependenciesMeta ?? {};
  return Object.entries(manifest.peerDependencies ?? {})
    .filter(([name]) => meta[name]?.optional === true && !FRAMEWORK_PEERS.has(name) && !FEATURE_PEERS.has(name))
    .map(([name, range]) => ({name, range}));
}

/**
 * The packages Node would not find from `packageDir`: it looks in
 * `node_modules/<name>` of that folder and of every folder above it.
 */
export function missingPackages(
  required: readonly PackageRequirement[],
  packageDir: string,
  exists: (path: string) => boolean,
): PackageRequirement[] {
  const folders: string[] = [];
  for (let folder = packageDir; ; folder = dirname(folder)) {
    folders.push(join(folder, 'node_modules'));
    if (dirname(folder) === folder) break;
  }
  return required.filter(({name}) => !folders.some((folder) => exists(join(folder, name, 'package.json'))));
}

export class MissingBackendPackagesError extends Error {
  readonly code = 'missing-packages';
  override readonly name = 'MissingBackendPackagesError';
  constructor(
    command: string,
    readonly missing: readonly PackageRequirement[],
  ) {
    const install = missing.map(({name, range}) => `"${name}@${range}"`).join(' ');
    super(
      `${command} runs the sandbox backend, whose packages are optional peer dependencies that a site which only builds does not install; ` +
        `missing: ${missing.map(({name}) => name).join(', ')}. Install them beside docusaurus-sandbox:\n  npm install ${install}`,
    );
  }
}

/**
 * Throws MissingBackendPackagesError naming the install line when a backend
 * package is missing from this install, before anything imports the server
 * (whose imports would fail with a bare ERR_MODULE_NOT_FOUND instead).
 */
export function requireBackendPackages(command: string, exists: (path: string) => boolean = existsSync): void {
  const own = ownPackage<PackageManifest>();
  if (!own) return; // nothing to compare with; the imports will say what is missing
  const missing = missingPackages(backendPackages(own.manifest), own.dir, exists);
  if (missing.length > 0) throw new MissingBackendPackagesError(command, missing);
}
