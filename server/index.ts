/**
 * `createSandboxServer`: the HTTP API, the WebSocket and (optionally) the
 * built static site on one port. This file only wires parts together; the
 * logic lives in `http/`, `sessions/` and `stream/`.
 */
import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import {hostname} from 'node:os';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import type {Express} from 'express';
import {WebSocketServer, type WebSocket} from 'ws';
import {
  MANIFEST_FILE,
  MANIFEST_VERSION,
  type SandboxBlock,
  type SandboxConfig,
  type SandboxManifest,
} from '../config/index.js';
import {CLOSE_CODES} from '../protocol/index.js';
import {createAdminServer, type AdminOptions, type AdminServer} from './admin/server.js';
import {meteredRuntime, SessionTracker} from './admin/metering.js';
import {createAuthVerifier} from './auth/jwt.js';
import {createApp} from './http/app.js';
import {handleUpgrade, selectProtocol, type UpgradeContext} from './http/upgrade.js';
import type {LogFunction, SandboxLogger} from './log.js';
import {createMetrics, type SandboxMetrics} from './metrics.js';
import {createRuntime} from './runtime/create.js';
import type {ContainerRuntime} from './runtime/types.js';
import type {AdmissionSnapshot} from './sessions/admission.js';
import {systemClock, type Clock} from './clock.js';
import {SessionManager} from './sessions/manager.js';
import {SessionTokens} from './sessions/tokens.js';
import {Heartbeat} from './lifecycle/heartbeat.js';
import {InstanceOwnership, listenOn, StartGate, StartupError} from './lifecycle/startup.js';

export {SandboxError, toClientError} from './errors.js';
export {InstanceInUseError, StartupError} from './lifecycle/startup.js';
export type {ContainerRuntime} from './runtime/types.js';
export type {AdminOptions} from './admin/server.js';
export type {SandboxMetrics} from './metrics.js';
export type {LogFunction, LogLevel, SandboxLogger} from './log.js';


export interface SandboxServerOptions {
  config: SandboxConfig;
  /** Blocks that may run; default `<siteDir>/sandbox-manifest.json` when present. */
  manifest?: SandboxManifest | undefined;
  /** A built Docusaurus site to serve. */
  siteDir?: string | undefined;
  /** Default: DockerRuntime labelled with the instance id. */
  runtime?: ContainerRuntime | undefined;
  logger?: SandboxLogger | undefined;
  clock?: Clock | undefined;
  /**
   * The admin listener (`/metrics`, `/admin/sessions`) on its own address;
   * none when absent. Never on the public port.
   */
  admin?: AdminOptions | undefined;
  /** Default: a fresh registry with process metrics. */
  metrics?: SandboxMetrics | undefined;
}

export interface SandboxServer extends AsyncDisposable {
  readonly app: Express;
  readonly httpServer: Server;
  readonly instanceId: string;
  /** This server's Prometheus series (served on the admin listener). */
  readonly metrics: SandboxMetrics;
  /**
   * Listens, takes the instance lease, reaps this instance's leftovers, starts
   * the warm pools, then the admin listener (if any). On failure everything it
   * made is disposed and the error (StartupError, InstanceInUseError) thrown.
   */
  listen(): Promise<{url: string; port: number; adminUrl?: string}>;
  setManifest(manifest: SandboxManifest): void;
  /** Sessions holding a slot now. */
  readonly activeSessions: number;
  /** Read-only view of the limiter's counters (all zero when idle). */
  readonly admission: {snapshot(): AdmissionSnapshot};
  /** Stops accepting, closes sockets with 1001, removes every container (≤ 10 s). Idempotent. */
  close(): Promise<void>;
}

/** Removes the project's containers older than the longest lifetime plus this margin. */
const SWEEP_MARGIN_MS = 60_000;
const SHUTDOWN_BUDGET_MS = 8_000;

/**
 * The instance id labels this server's containers. Configured, or derived from
 * host name and port so a restarted server finds its predecessor's orphans. An
 * ephemeral port (0) has no stable identity: it gets a unique id per process.
 */
export function deriveInstanceId(config: SandboxConfig, host = hostname(), pid = process.pid): string {
  if (config.server.instanceId) return config.server.instanceId;
  const port = config.server.port;
  const base = `${host}-${port === 0 ? `p${pid}-${Date.now().toString(36)}` : port}`;
  return base.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128);
}

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

const silentLogger: SandboxLogger = {info: () => {}, warn: () => {}, error: () => {}};

export function createSandboxServer(options: SandboxServerOptions): SandboxServer {
  const {config} = options;
  const logger = options.logger ?? silentLogger;
  const log: LogFunction = (level, message, details = {}) => logger[level](details, message);
  const clock = options.clock ?? systemClock;
  const instanceId = deriveInstanceId(config);
  // What may throw (a bad manifest, a bad admin address) comes before anything
  // that holds a resource, so such a failure leaves nothing to dispose.
  let blocks = new Map<string, SandboxBlock>();
  const setManifest = (manifest: SandboxManifest) => {
    blocks = new Map(manifest.blocks.map((block) => [block.id, block]));
  };
  const manifest = options.manifest ?? (options.siteDir ? readManifest(options.siteDir) : undefined);
  if (manifest) setManifest(manifest);

  const metrics = options.metrics ?? createMetrics();
  const tracker = new SessionTracker(metrics, {highWaterMark: config.server.highWaterMark, lowWaterMark: config.server.lowWaterMark, clock});
  let admin: AdminServer | undefined;
  try {
    admin = options.admin ? createAdminServer({...options.admin, metrics, tracker}) : undefined;
  } catch (error) {
    tracker.dispose();
    throw error;
  }
  /** For the warm pool: how many ready containers an environment has now. */
  const reportWarmPool = (env: string, size: number) => metrics.warmPool.set({env}, size);
  // Our own runtime (with the warm pools of environments that set poolSize) is drained in close().
  // Nothing in it touches the engine until listen() has proven this instance is ours.
  const baseRuntime = options.runtime ?? createRuntime({config, instanceId, log, onWarmChange: reportWarmPool});
  const runtime = meteredRuntime(baseRuntime, metrics);
  const ownership = new InstanceOwnership({
    runtime: baseRuntime,
    instanceId,
    images: Object.values(config.environments).map((env) => env.image),
    log,
  });
  const gate = new StartGate();

  const sessions = new SessionManager({
    runtime,
    clock,
    tokens: new SessionTokens({secret: config.server.tokenSecret, ttlMs: config.server.tokenTtl, clock}),
    limits: config.server,
    stream: {highWaterMark: config.server.highWaterMark, lowWaterMark: config.server.lowWaterMark},
    messagesPerSecond: config.server.messagesPerSecond,
    reconnectGrace: config.server.reconnectGrace,
    tokenTtl: config.server.tokenTtl,
    log: (level, message, details) => {
      tracker.onEvent(message, details);
      log(level, message, details);
    },
  });
  // Every admitted session is tracked for the metrics and the admin API.
  sessions.observe({created: (session, request) => tracker.created(session, {env: request.spec.envName, client: request.client})});

  const originPolicy = {
    origins: config.server.origins.map((origin) => origin.replace(/\/+$/, '')),
    allowNoOrigin: config.server.allowNoOrigin,
  };
  let closing = false;
  // The one limiter is the session manager's: it knows when each session ends.
  const admission = sessions.admission;
  const app = createApp({
    auth: createAuthVerifier(config.auth),
    clock,
    config,
    runtime,
    sessions,
    blocks: () => blocks,
    originPolicy,
    siteDir: options.siteDir,
    closing: () => closing,
    log,
  });

  const httpServer = createServer(
    {
      // Header timeouts are only checked every connectionsCheckingInterval
      // (default 30 s), so check every second (shared FACTS).
      connectionsCheckingInterval: 1000,
      headersTimeout: config.server.headersTimeout,
      requestTimeout: config.server.headersTimeout * 3,
    },
    (request, response) => {
      if (request.method === 'POST' && request.url?.startsWith('/api/sessions')) tracker.response(response);
      gate.through(
        () => app(request, response),
        () => response.destroy(),
      );
    },
  );

  // Node parses at most this many headers and drops the rest (default 2000).
  httpServer.maxHeadersCount = config.server.maxHeadersCount;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.server.maxPayload,
    perMessageDeflate: false,
    handleProtocols: selectProtocol,
  });
  wss.on('error', (error) => log('error', 'websocket server error', {error: String(error)}));

  const heartbeat = new Heartbeat<WebSocket>({clock, intervalMs: config.server.heartbeatInterval, sockets: () => wss.clients});

  // Made once: every session socket keeps a reference to it for its lifetime.
  const upgradeContext: UpgradeContext = {
    wss,
    originPolicy,
    trustProxy: config.server.trustProxy,
    findSession: (id) => sessions.get(id),
    verifyToken: (token, id) => sessions.verifyToken(token, id),
    closing: () => closing,
    onSocket: (socket, session, request) => {
      heartbeat.watch(socket);
      // The path only: the query may carry a token (`?token=`), which is never logged.
      log('info', 'socket connected', {session: session.id, path: request.url?.split('?')[0]});
    },
    meter: (sessionId) => tracker.meter(sessionId),
    onRefused: (code) => tracker.upgradeRefused(code),
    log,
  };
  httpServer.on('upgrade', (request, socket, head) =>
    gate.through(
      () => handleUpgrade(request, socket, head, upgradeContext),
      () => socket.destroy(),
    ),
  );
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });

  const maxLifetime = Math.max(...Object.values(config.environments).map((env) => env.limits.maxLifetime), config.limits.maxLifetime);
  let sweep: NodeJS.Timeout | undefined;
  const runSweep = () => {
    sessions.prune();
    // A lease lost while the engine restarted (or never taken) is taken again here.
    void ownership.ensure();
    runtime
      .reap({olderThanMs: maxLifetime + SWEEP_MARGIN_MS})
      .then((count) => {
        if (count > 0) log('info', 'swept expired containers', {count});
      })
      .catch((error: unknown) => log('warn', 'sweep failed', {error: String(error)}));
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      heartbeat.dispose();
      tracker.dispose();
      if (sweep) clearInterval(sweep);
      const stopped = new Promise<void>((resolve) => {
        if (!httpServer.listening) resolve();
        else httpServer.close(() => resolve());
      });
      httpServer.closeIdleConnections();
      const budget = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS).unref());
      await Promise.race([Promise.all([sessions.closeAll(), options.runtime ? undefined : baseRuntime.close?.()]), budget]);
      // Whatever this instance still owns goes too: e.g. a container whose removal
      // failed while the engine was away (daemon restart) and is back now. Only
      // while the lease is ours: a start refused because another live server
      // holds this id must not touch that server's containers.
      if (ownership.owned) await Promise.race([runtime.reap({instanceId}).catch(() => 0), budget]);
      gate.fail();
      for (const socket of wss.clients) socket.close(CLOSE_CODES.goingAway, 'server shutting down');
      wss.close();
      // Sockets that did not finish their closing handshake are cut.
      setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
        httpServer.closeAllConnections();
      }, 500).unref();
      await Promise.race([stopped, new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
      httpServer.closeAllConnections();
      admission.dispose();
      await admin?.close();
      await ownership.release();
    })();
    return closed;
  };

  return {
    app,
    httpServer,
    instanceId,
    metrics,
    get activeSessions() {
      return sessions.activeCount;
    },
    admission: {snapshot: () => admission.snapshot()},
    setManifest,
    async listen() {
      // Bind first: a second server on a busy port fails here, before it has
      // touched the engine. Then the lease proves no other live process has
      // this instance id; only then are the predecessor's leftovers reaped,
      // and only after that do the pools fill and requests get in.
      try {
        await listenOn(httpServer, config.server.port, config.server.host);
        if (await ownership.acquire()) await ownership.reapLeftovers();
      } catch (error) {
        await close();
        throw error;
      }
      baseRuntime.startBackground?.();
      gate.open();
      sweep = setInterval(runSweep, Math.min(60_000, maxLifetime));
      sweep.unref();
      const address = httpServer.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      if (!admin) return {url, port: address.port};
      const adminUrl = await admin.listen().catch(async (error: unknown) => {
        await close();
        throw new StartupError('admin-listen-failed', `cannot start the admin listener: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
      });
      return {url, port: address.port, adminUrl};
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
