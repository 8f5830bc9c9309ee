/**
 * `createSandboxServer`: the HTTP API, the WebSocket and (optionally) the
 * built static site on one port. This file only wires parts together; the
 * logic lives in `http/`, `sessions/`, `stream/`, `runtime/` and `lifecycle/`
 * (start-up, heartbeat, sweep, shutdown).
 */
import type {Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Express} from 'express';
import {WebSocketServer, type WebSocket} from 'ws';
import type {SandboxConfig, SandboxManifest} from '../config/index.js';
import {createAdminServer, type AdminOptions, type AdminServer} from './admin/server.js';
import {meteredRuntime, SessionTracker} from './admin/metering.js';
import {createAuthVerifier} from './auth/jwt.js';
import {createApp} from './http/app.js';
import {createEngineProbe} from './http/engine.js';
import {mcpRoutes} from './http/routes/mcp.js';
import {packageVersion} from './own-package.js';
import {handleUpgrade, selectProtocol, type UpgradeContext} from './http/upgrade.js';
import type {LogFunction, SandboxLogger} from './log.js';
import {createMetrics, shareMeter, type SandboxMetrics} from './metrics.js';
import {createRuntime} from './runtime/create.js';
import type {ContainerRuntime} from './runtime/types.js';
import type {AdmissionSnapshot} from './sessions/admission.js';
import {systemClock, type Clock} from './clock.js';
import {EnvironmentRegistry, environmentTokens} from './environments/registry.js';
import {SessionManager} from './sessions/manager.js';
import {SessionTokens} from './sessions/tokens.js';
import {ShareRegistry} from './sessions/share-registry.js';
import {ShareTokens} from './sessions/share-tokens.js';
import {Heartbeat} from './lifecycle/heartbeat.js';
import {createHttpServer} from './lifecycle/http-server.js';
import {deriveInstanceId} from './lifecycle/instance-id.js';
import {ServedSite, type ServedSiteOptions} from './lifecycle/served-site.js';
import {routeUnderBase, type BasePaths} from './http/base-path.js';
import {Shutdown} from './lifecycle/shutdown.js';
import {InstanceOwnership, listenOn, StartGate, StartupError} from './lifecycle/startup.js';
import {longestLifetime, Sweep} from './lifecycle/sweep.js';
import {ClusterGateway} from './cluster/gateway.js';

export {SandboxError, toClientError} from './errors.js';
export {InstanceInUseError, StartupError} from './lifecycle/startup.js';
export {deriveInstanceId} from './lifecycle/instance-id.js';
export {readManifest} from './lifecycle/manifest.js';
export type {ContainerRuntime} from './runtime/types.js';
export type {AdminOptions} from './admin/server.js';
export type {SandboxMetrics} from './metrics.js';
export type {LogFunction, LogLevel, SandboxLogger} from './log.js';

export interface SandboxServerOptions {
  config: SandboxConfig;
  /**
   * Blocks that may run; default every locale's `sandbox-manifest.json` of
   * `siteDir` (the root's and `<locale>/`'s), reloaded when a rebuild completes.
   */
  manifest?: SandboxManifest | undefined;
  /** A built Docusaurus site to serve (and watch for rebuilds). */
  siteDir?: string | undefined;
  /**
   * The path the site and the API are served under (besides `/api/…`), e.g.
   * "/mysite/"; default the build's `baseUrl` from its manifest, else "/".
   */
  baseUrl?: string | undefined;
  /** The site watch's timings and fs.watch seam, for tests. */
  siteWatch?: ServedSiteOptions['watch'];
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
  /**
   * Replaces the runnable blocks at once (no grace; the dev backend). A
   * watched site's next rebuild replaces them again.
   */
  setManifest(manifest: SandboxManifest): void;
  /** Sessions holding a slot now. */
  readonly activeSessions: number;
  /** Read-only view of the limiter's counters (all zero when idle). */
  readonly admission: {snapshot(): AdmissionSnapshot};
  /** Stops accepting, closes sockets with 1001, removes every container (≤ 10 s). Idempotent. */
  close(): Promise<void>;
}

/** How long a page session's standby step may take to be ready (ms): an exec start on a loaded engine. */
const STANDBY_TIMEOUT_MS = 20_000;

const silentLogger: SandboxLogger = {info: () => {}, warn: () => {}, error: () => {}};

export function createSandboxServer(options: SandboxServerOptions): SandboxServer {
  const {config} = options;
  const logger = options.logger ?? silentLogger;
  const log: LogFunction = (level, message, details = {}) => logger[level](details, message);
  const clock = options.clock ?? systemClock;
  const instanceId = deriveInstanceId(config);
  // What may throw (a bad manifest, a bad admin address) comes before anything
  // that holds a resource, so such a failure leaves nothing to dispose.
  const site = new ServedSite({
    siteDir: options.siteDir,
    manifest: options.manifest,
    baseUrl: options.baseUrl,
    clock,
    graceMs: config.server.manifestGrace,
    log,
    watch: options.siteWatch,
  });
  const basePaths = () => site.basePaths();

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
  const baseRuntime = options.runtime ?? createRuntime({config, instanceId, clock, log, onWarmChange: reportWarmPool});
  const runtime = meteredRuntime(baseRuntime, metrics);
  const ownership = new InstanceOwnership({
    runtime: baseRuntime,
    instanceId,
    images: Object.values(config.environments).map((env) => env.image),
    log,
  });
  const gate = new StartGate();

  const tokens = new SessionTokens({secret: config.server.tokenSecret, ttlMs: config.server.tokenTtl, clock});
  const sessions = new SessionManager({
    runtime,
    clock,
    tokens,
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

  // Share tokens are signed with a key of their own, derived from the session tokens' secret.
  const shareTokens = new ShareTokens(tokens.derivedKey('share'), clock);
  const shares = new ShareRegistry({
    tokens: shareTokens,
    clock,
    limits: config.server,
    meter: shareMeter(metrics),
    log,
  });

  const environments = new EnvironmentRegistry({
    runtime,
    clock,
    tokens: environmentTokens(tokens),
    reconnectGrace: config.server.reconnectGrace,
    standbyTimeout: STANDBY_TIMEOUT_MS,
    node: config.server.node,
    log,
  });

  const originPolicy = {
    origins: config.server.origins.map((origin) => origin.replace(/\/+$/, '')),
    allowNoOrigin: config.server.allowNoOrigin,
  };
  let closing = false;
  // The one limiter is the session manager's: it knows when each session ends.
  const admission = sessions.admission;
  const auth = createAuthVerifier(config.auth);
  // One engine probe (and its cache) for the session routes and /mcp alike.
  const probe = createEngineProbe(runtime, clock);
  const mcp = config.server.mcp
    ? mcpRoutes({
        config,
        sessions,
        environments,
        blocks: () => site.blocks(),
        originPolicy,
        auth,
        probe,
        adminToken: options.admin?.token,
        siteDir: options.siteDir,
        closing: () => closing,
        clock,
        log,
        version: packageVersion(),
      })
    : undefined;
  // Only with server.redis: this server as one gateway of a cluster; it joins in listen(), once this instance is ours.
  const {node, redis} = config.server;
  const cluster =
    redis && node
      ? new ClusterGateway({
          node,
          redis,
          limits: {maxSessionsPerClient: config.server.maxSessionsPerClient, sessionsPerMinute: config.server.sessionsPerMinute},
          capacity: config.server.maxSessions,
          active: () => sessions.activeCount,
          admitViewer: (id, token) => shares.admitViewer(id, token),
          verifyShare: (token, session) => shareTokens.verify(token, session) !== undefined,
          closing: () => closing,
          registry: metrics.registry,
          clock,
          log,
        })
      : undefined;
  const app = createApp({
    cluster: cluster?.admission,
    auth,
    mcp: mcp?.router,
    probe,
    clock,
    config,
    runtime,
    sessions,
    environments,
    shares,
    blocks: () => site.blocks(),
    basePaths,
    originPolicy,
    siteDir: options.siteDir,
    closing: () => closing,
    log,
  });

  const httpServer = createHttpServer(config.server, (request, response) => {
    if (request.method === 'POST' && isSessionCreation(request.url, basePaths)) tracker.response(response);
    gate.through(
      () => app(request, response),
      () => response.destroy(),
    );
  });

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
    admitViewer: (id, token) => shares.admitViewer(id, token),
    remoteViewer: cluster ? (id, token) => cluster.remoteViewer(id, token) : undefined,
    closing: () => closing,
    onSocket: (socket, sessionId, request) => {
      heartbeat.watch(socket);
      // The path only: the query may carry a token (`?token=`), which is never logged.
      log('info', 'socket connected', {session: sessionId, path: request.url?.split('?')[0]});
    },
    meter: (sessionId) => tracker.meter(sessionId),
    onRefused: (code) => tracker.upgradeRefused(code),
    basePaths,
    node: config.server.node,
    log,
  };
  httpServer.on('upgrade', (request, socket, head) =>
    gate.through(
      () => handleUpgrade(request, socket, head, upgradeContext),
      () => socket.destroy(),
    ),
  );

  const sweep = new Sweep({
    clock,
    maxLifetimeMs: longestLifetime(config),
    prune: () => {
      sessions.prune();
      shares.prune();
    },
    ensureOwnership: () => ownership.ensure(),
    reap: (filter) => runtime.reap(filter),
    log,
  });
  const shutdown = new Shutdown({
    clock,
    stopAccepting: () => {
      closing = true;
    },
    background: [heartbeat, tracker, sweep, site],
    http: httpServer,
    // The runtime made here (with its warm pools) is drained here; one passed in is its owner's.
    drain: () => Promise.all([mcp?.close(), sessions.closeAll(), environments.closeAll(), options.runtime ? undefined : baseRuntime.close?.()]).then(() => cluster?.dispose()),
    instance: ownership,
    reapInstance: () => runtime.reap({instanceId}),
    gate,
    sockets: wss,
    admission,
    admin,
  });
  const close = () => shutdown.run();

  return {
    app,
    httpServer,
    instanceId,
    metrics,
    get activeSessions() {
      return sessions.activeCount;
    },
    admission: {snapshot: () => admission.snapshot()},
    setManifest: (manifest) => site.setManifest(manifest),
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
      await cluster?.join().catch(async (error: unknown) => {
        await close();
        throw error;
      });
      gate.open();
      sweep.start();
      site.start();
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

/** `POST …/api/sessions` under any base the API answers at (for the metrics of session creation). */
function isSessionCreation(url: string | undefined, basePaths: () => BasePaths): boolean {
  const route = routeUnderBase((url ?? '/').split('?')[0]!, basePaths());
  return route.kind === 'api' && route.path.startsWith('/api/sessions');
}
