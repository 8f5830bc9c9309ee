/**
 * `docusaurus start` runs the backend in a child process on its own port so
 * Run works while writing. Not in-process: on Ctrl-C or SIGTERM Docusaurus
 * calls `process.exit()` at once, so a server in the same process could not
 * remove its containers; a child sees its IPC channel close however the dev
 * server ends (a signal, a crash, kill -9), closes the server, then exits.
 * The plugin itself never imports the server: a build loads no express or
 * dockerode, and a missing server gives a message, not a crash.
 */
import {fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {SandboxManifest} from '../config/block.js';
import type {SandboxConfig} from '../config/schema.js';

/** The part of `docusaurus-sandbox/server` the dev backend uses (a contract of the server's public API). */
export interface ServerModule {
  createSandboxServer(options: {config: SandboxConfig; manifest?: SandboxManifest}): {
    listen(): Promise<{url: string; port: number}>;
    setManifest(manifest: SandboxManifest): void;
    close(): Promise<void>;
  };
}

/** Plugin → backend process. */
export type PluginMessage = {type: 'start'; config: SandboxConfig} | {type: 'manifest'; manifest: SandboxManifest};
/** Backend process → plugin: the one answer to `start`. */
export type BackendMessage = {type: 'listening'; url: string} | {type: 'failed'; stage: 'load' | 'listen'; message: string};

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
  /**
   * Stops the backend process, which first removes its containers; resolves
   * once it and the backends before it in this process have ended. Idempotent.
   */
  close(): Promise<void>;
}

/** The part of a forked `ChildProcess` the plugin uses: the seam for tests. */
export interface BackendProcess {
  readonly connected: boolean;
  send(message: PluginMessage): unknown;
  disconnect(): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Where the backend of this process is kept between plugin instances. */
export interface BackendRegistry {
  current?: DevBackend | undefined;
}

const REGISTRY = Symbol.for('docusaurus-sandbox.dev-backend');

/**
 * A site reload (docusaurus.config edited) creates a new plugin instance, whose
 * backend needs the port the old one holds. Docusaurus loads plugins afresh on
 * a reload (jiti without the require cache), so module state does not survive
 * it; a registry on a global symbol does.
 */
function processRegistry(): BackendRegistry {
  const global = globalThis as typeof globalThis & {[REGISTRY]?: BackendRegistry};
  return (global[REGISTRY] ??= {});
}

/** Not unref()'d: while the plugin awaits the child's answer, nothing else may keep the event loop alive. */
function forkBackend(): BackendProcess {
  return fork(fileURLToPath(new URL('./dev-backend.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Structured clone, so the config and manifest arrive as they were sent.
    serialization: 'advanced',
  });
}

export interface StartOptions {
  spawn?: () => BackendProcess;
  registry?: BackendRegistry;
}

export function startDevBackend(config: SandboxConfig, log: (message: string) => void, options: StartOptions = {}): DevBackend {
  const {spawn = forkBackend, registry = processRegistry()} = options;
  /**
   * Resolves once the previous backend of the process has ended, and with it
   * every backend before it: its close() waits for its own `released` too, so
   * after quick reloads A → B → C, C does not start while A holds the port
   * although B, closed before it started, never had a process.
   */
  const released = registry.current?.close() ?? Promise.resolve();
  let child: BackendProcess | undefined;
  let exited = Promise.resolve();
  let closing: Promise<void> | undefined;
  let listening = false;

  const url = (async () => {
    await released;
    if (closing) return '';
    let answer: Promise<BackendMessage | {type: 'ended'; detail: string}>;
    try {
      const started = spawn();
      child = started;
      // A process that could not be spawned emits 'error' and may never emit 'exit'.
      exited = new Promise((resolve) => {
        started.on('exit', () => resolve());
        started.on('error', () => resolve());
      });
      // A crash after it listened: Run then fails with network errors, so the dev server log says why.
      started.on('exit', (code, signal) => {
        if (listening && !closing) {
          log(`[docusaurus-sandbox] the dev backend exited (${signal ? `signal ${signal}` : `code ${code}`}); Run is unavailable until docusaurus start is restarted.`);
        }
      });
      answer = new Promise((resolve) => {
        started.on('message', (message) => resolve(message as BackendMessage));
        started.on('exit', (code) => resolve({type: 'ended', detail: `exit code ${code}`}));
        started.on('error', (error) => resolve({type: 'ended', detail: error.message}));
      });
      started.send({type: 'start', config});
    } catch (error) {
      log(`[docusaurus-sandbox] the backend process did not start (${(error as Error).message}); Run is unavailable in this dev server.`);
      return '';
    }
    const message = await answer;
    if (message.type === 'listening') {
      listening = true;
      log(`[docusaurus-sandbox] dev backend listening at ${message.url}`);
      return message.url;
    }
    if (closing) return '';
    if (message.type === 'ended') {
      log(`[docusaurus-sandbox] the dev backend process ended before it listened (${message.detail}); Run is unavailable in this dev server.`);
    } else if (message.stage === 'load') {
      log(`[docusaurus-sandbox] the backend could not be loaded (${message.message}); Run is unavailable in this dev server. Install what it names (or run "npm run build" in the package), or set the plugin option serverUrl to a running server.`);
    } else {
      log(`[docusaurus-sandbox] the dev backend did not start on port ${config.server.port} (${message.message}); set devServer.port to a free port.`);
    }
    return '';
  })();

  const backend: DevBackend = {
    url,
    setManifest: (manifest) => {
      if (child?.connected) child.send({type: 'manifest', manifest});
    },
    close: () =>
      (closing ??= (async () => {
        // The child closes its server when its channel closes, as when the dev server dies.
        if (child?.connected) child.disconnect();
        await Promise.all([exited, released]);
        if (registry.current === backend) registry.current = undefined;
      })()),
  };
  registry.current = backend;
  return backend;
}

/** What the backend process does with the plugin's messages and with the end of its channel. */
export interface BackendHandlers {
  onMessage(message: unknown): void;
  /** Closes the server (removing its containers), then exits. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The backend process's logic; `dev-backend.ts` wires it to `process`. It
 * answers `start` once, and exits after a failed start so nothing lingers.
 */
export function serveDevBackend(io: {
  load: () => Promise<ServerModule>;
  send: (message: BackendMessage) => void;
  exit: (code: number) => void;
}): BackendHandlers {
  let server: ReturnType<ServerModule['createSandboxServer']> | undefined;
  /** A manifest that arrives while the server module loads is handed to the server when it is created. */
  let manifest: SandboxManifest | undefined;
  let starting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const start = async (config: SandboxConfig) => {
    let module: ServerModule;
    try {
      module = await io.load();
    } catch (error) {
      io.send({type: 'failed', stage: 'load', message: (error as Error).message});
      return io.exit(1);
    }
    try {
      // No siteDir: the dev server (webpack) serves the pages; the manifest comes in messages.
      server = module.createSandboxServer({config, ...(manifest ? {manifest} : {})});
      const {url} = await server.listen();
      io.send({type: 'listening', url});
    } catch (error) {
      io.send({type: 'failed', stage: 'listen', message: (error as Error).message});
      await server?.close().catch(() => undefined);
      io.exit(1);
    }
  };

  return {
    onMessage(raw) {
      const message = raw as PluginMessage;
      if (message.type === 'start' && !stopping) starting = start(message.config);
      else if (message.type === 'manifest') {
        manifest = message.manifest;
        server?.setManifest(manifest);
      }
    },
    stop: () =>
      (stopping ??= starting
        .then(() => server?.close())
        .then(
          () => io.exit(0),
          () => io.exit(1),
        )),
  };
}
