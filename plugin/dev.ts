/**
 * `docusaurus start` runs the backend in-process on its own port so Run works
 * while writing. The server module is loaded lazily: a build never imports
 * express or dockerode, and a missing server gives a message, not a crash.
 */
import type {SandboxManifest} from '../config/block.js';
import type {SandboxConfig} from '../config/schema.js';

/** The part of `docusaurus-sandbox/server` the dev backend uses (issue 3 contract). */
interface ServerModule {
  createSandboxServer(options: {config: SandboxConfig; manifest?: SandboxManifest}): {
    listen(): Promise<{url: string; port: number}>;
    setManifest(manifest: SandboxManifest): void;
    close(): Promise<void>;
  };
}

const DEFAULT_DEV_PORT = 3000;

/**
 * True under `docusaurus start`. NODE_ENV alone is not enough: `docusaurus
 * build --dev` sets it too, and a build must not start a server.
 */
export function isDevServer(env: NodeJS.ProcessEnv, argv: readonly string[]): boolean {
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return env.NODE_ENV === 'development' && command === 'start';
}

/** The port `docusaurus start` serves the site on: --port/-p, else PORT, else 3000. */
export function devSitePort(env: NodeJS.ProcessEnv, argv: readonly string[]): number {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const value = arg.startsWith('--port=') ? arg.slice('--port='.length) : arg === '--port' || arg === '-p' ? argv[index + 1] : undefined;
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return env.PORT && /^\d+$/.test(env.PORT) ? Number(env.PORT) : DEFAULT_DEV_PORT;
}

/** The config the dev backend runs with: its own port, the dev site as the only origin, inline blocks allowed (edits show at once). */
export function devServerConfig(config: SandboxConfig, sitePort: number, port: number | undefined): SandboxConfig {
  const origins = [`http://localhost:${sitePort}`, `http://127.0.0.1:${sitePort}`];
  return {
    ...config,
    server: {...config.server, port: port ?? sitePort + 1, allowInline: true, origins: [...new Set([...config.server.origins, ...origins])]},
  };
}

export interface DevBackend {
  /** The backend's URL, or '' when it could not start (the page then says Run is unavailable). */
  readonly url: Promise<string>;
  setManifest(manifest: SandboxManifest): void;
  close(): Promise<void>;
}

export function startDevBackend(config: SandboxConfig, log: (message: string) => void): DevBackend {
  let server: ReturnType<ServerModule['createSandboxServer']> | undefined;
  const url = (async () => {
    // A variable specifier keeps the type checker and bundlers from following it.
    const specifier = 'docusaurus-sandbox/server';
    let module: ServerModule;
    try {
      module = (await import(specifier)) as ServerModule;
    } catch (error) {
      log(`[docusaurus-sandbox] the backend could not be loaded (${(error as Error).message}); Run is unavailable in this dev server. Run "npm run build" in the package, or set the plugin option serverUrl to a running server.`);
      return '';
    }
    try {
      // No siteDir: the dev server (webpack) serves the pages; the manifest comes from setManifest.
      server = module.createSandboxServer({config});
      const {url: address} = await server.listen();
      log(`[docusaurus-sandbox] dev backend listening at ${address}`);
      return address;
    } catch (error) {
      log(`[docusaurus-sandbox] the dev backend did not start on port ${config.server.port} (${(error as Error).message}); set devServer.port to a free port.`);
      return '';
    }
  })();
  return {
    url,
    setManifest: (manifest) => server?.setManifest(manifest),
    close: async () => {
      await url;
      await server?.close();
    },
  };
}
