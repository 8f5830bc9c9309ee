/**
 * The one configuration schema shared by the Docusaurus plugin (which needs the
 * environment names, file/cmd defaults and limits to validate fences at build
 * time) and the server (whose values win for images, limits and runtimes).
 *
 * Users write human units ("30s", "256m"); `normalizeConfig` turns them into
 * numbers: every duration is in milliseconds, every size in bytes.
 */
import Joi from 'joi';
import {parseDuration, parseSize} from './units.js';

export interface Limits {
  /** Default run time of a block before it ends with reason "timeout" (ms). */
  timeout: number;
  /** Highest `timeout=` a fence may ask for; over it is a build error (ms). */
  maxTimeout: number;
  /** A session with neither input nor output for this long ends with "idle" (ms). */
  idleTimeout: number;
  /** Hard cap on any session, interactive ones included (ms). */
  maxLifetime: number;
  /** Container memory limit (bytes); swap is held to the same value. */
  memory: number;
  /** CPU share, in cores (0.5 = half of one core). */
  cpus: number;
  /** Process/thread cap of the container (gVisor needs >= 128). */
  pids: number;
  /** Size of the tmpfs mounted at /workspace (bytes). */
  workspaceSize: number;
  /** Size of the tmpfs mounted at /tmp (bytes). */
  tmpSize: number;
  /** Open file descriptors per process. */
  nofile: number;
  /** Terminal output after which a session ends with "output-limit" (bytes). */
  outputLimit: number;
  /** Most files one block (or one reader's edit) may seed. */
  maxFiles: number;
  /** Most bytes of file content one session may seed. */
  maxSeedBytes: number;
}

export interface EnvironmentConfig {
  /** Docker image; must contain sh, tar, base64, stty, head (see `doctor`). */
  image: string;
  /** File name a single-file fence gets when it has no `file=`. */
  file: string;
  /** Command a block runs when it has no `cmd=`. */
  cmd: string;
  /** Interactive shell for terminal-only blocks and `interactive` blocks. */
  shell: string;
  /** Highlighting language when neither `lang=` nor the extension tells. */
  lang: string;
  /** OCI runtime, e.g. "runsc" for gVisor; default the engine's (runc). */
  runtime?: string | undefined;
  /** Give the container a network. Off unless an environment asks. */
  network: boolean;
  /** Warm containers kept ready for this environment (0 disables). */
  poolSize: number;
  /** Limits of this environment, over the global ones. */
  limits: Limits;
}

export interface ServerConfig {
  port: number;
  host: string;
  /** Accept sessions that are not blocks of the manifest. */
  allowInline: boolean;
  /** Exact origins allowed; empty means the origin the server is reached at. */
  origins: string[];
  /** Accept requests without an Origin header (non-browser clients). */
  allowNoOrigin: boolean;
  /** Labels this server's containers; stable across restarts. Default host:port. */
  instanceId?: string | undefined;
  /** Read the client address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Sessions running at once, all clients together. */
  maxSessions: number;
  /** Sessions running at once per client address. */
  maxSessionsPerClient: number;
  /** Session creations per client address per minute. */
  sessionsPerMinute: number;
  /** Lifetime of the session token used for the WebSocket upgrade (ms). */
  tokenTtl: number;
  /** Secret that signs session tokens; default random per start. */
  tokenSecret?: string | undefined;
  /** How long a session outlives its dropped socket (ms). */
  reconnectGrace: number;
  /** Pause the container's output above this many buffered bytes. */
  highWaterMark: number;
  /** Resume it below this many. */
  lowWaterMark: number;
  /** Largest WebSocket message accepted from a client (bytes). */
  maxPayload: number;
  /** Ping interval; a peer that misses one pong is terminated (ms). */
  heartbeatInterval: number;
  /** Time a client has to send complete request headers (ms). */
  headersTimeout: number;
  /** Largest JSON body of POST /api/sessions (bytes). */
  bodyLimit: number;
  /** Control messages a client may send per second. */
  messagesPerSecond: number;
}

export interface SandboxConfig {
  defaultEnv: string;
  limits: Limits;
  environments: Record<string, EnvironmentConfig>;
  server: ServerConfig;
}

/** What a user writes: every field optional, units as text or numbers. */
export type DeepPartialInput<T> = {
  [K in keyof T]?: T[K] extends number ? number | string : T[K] extends object ? DeepPartialInput<T[K]> : T[K];
};
export type SandboxConfigInput = DeepPartialInput<Omit<SandboxConfig, 'environments'>> & {
  environments?: Record<string, DeepPartialInput<EnvironmentConfig> | null>;
};

export const IMAGE_TAG = '1';

export const DEFAULT_LIMITS: Limits = {
  timeout: 30_000,
  maxTimeout: 300_000,
  idleTimeout: 120_000,
  maxLifetime: 600_000,
  memory: 256 * 1024 ** 2,
  cpus: 0.5,
  pids: 128,
  workspaceSize: 64 * 1024 ** 2,
  tmpSize: 16 * 1024 ** 2,
  nofile: 1024,
  outputLimit: 16 * 1024 ** 2,
  maxFiles: 32,
  maxSeedBytes: 256 * 1024,
};

type EnvironmentDefaults = Omit<EnvironmentConfig, 'limits' | 'poolSize' | 'network' | 'runtime'>;

/** The bundled environments, built offline by `docusaurus-sandbox images build`. */
export const BUNDLED_ENVIRONMENTS: Record<string, EnvironmentDefaults> = {
  shell: {image: `docusaurus-sandbox/shell:${IMAGE_TAG}`, file: 'main.sh', cmd: 'sh main.sh', shell: 'bash', lang: 'bash'},
  node: {image: `docusaurus-sandbox/node:${IMAGE_TAG}`, file: 'index.js', cmd: 'node index.js', shell: 'bash', lang: 'js'},
  python: {image: `docusaurus-sandbox/python:${IMAGE_TAG}`, file: 'main.py', cmd: 'python3 main.py', shell: 'bash', lang: 'python'},
};

export const DEFAULT_SERVER: ServerConfig = {
  port: 3000,
  host: '127.0.0.1',
  allowInline: false,
  origins: [],
  allowNoOrigin: false,
  trustProxy: false,
  maxSessions: 20,
  maxSessionsPerClient: 4,
  sessionsPerMinute: 30,
  tokenTtl: 60_000,
  reconnectGrace: 60_000,
  highWaterMark: 1024 ** 2,
  lowWaterMark: 256 * 1024,
  maxPayload: 64 * 1024,
  heartbeatInterval: 30_000,
  headersTimeout: 10_000,
  bodyLimit: 1024 ** 2,
  messagesPerSecond: 200,
};

export const DEFAULT_ENV = 'shell';

const duration = Joi.alternatives(
  Joi.number().min(0),
  Joi.string().custom((value: string, helpers) =>
    parseDuration(value) === undefined ? helpers.error('any.invalid') : value,
  ),
).messages({'any.invalid': '{{#label}} must be a duration such as "500ms", "30s" or "2m"'});

const size = Joi.alternatives(
  Joi.number().integer().min(0),
  Joi.string().custom((value: string, helpers) =>
    parseSize(value) === undefined ? helpers.error('any.invalid') : value,
  ),
).messages({'any.invalid': '{{#label}} must be a size such as "64k", "256m" or a number of bytes'});

const DURATION_KEYS = ['timeout', 'maxTimeout', 'idleTimeout', 'maxLifetime'] as const;
const SIZE_KEYS = ['memory', 'workspaceSize', 'tmpSize', 'outputLimit', 'maxSeedBytes'] as const;

const limitsSchema = Joi.object({
  ...Object.fromEntries(DURATION_KEYS.map((key) => [key, duration])),
  ...Object.fromEntries(SIZE_KEYS.map((key) => [key, size])),
  cpus: Joi.number().greater(0).max(64),
  pids: Joi.number().integer().min(16),
  nofile: Joi.number().integer().min(64),
  maxFiles: Joi.number().integer().min(1).max(1000),
});

const environmentSchema = Joi.object({
  image: Joi.string().min(1),
  file: Joi.string().min(1),
  cmd: Joi.string().min(1),
  shell: Joi.string().min(1),
  lang: Joi.string().min(1),
  runtime: Joi.string().pattern(/^[a-z0-9._-]+$/),
  network: Joi.boolean(),
  poolSize: Joi.number().integer().min(0).max(64),
  limits: limitsSchema,
}).allow(null);

const serverSchema = Joi.object({
  port: Joi.number().integer().min(0).max(65535),
  host: Joi.string().min(1),
  allowInline: Joi.boolean(),
  origins: Joi.array().items(Joi.string().uri({scheme: ['http', 'https']})),
  allowNoOrigin: Joi.boolean(),
  instanceId: Joi.string().pattern(/^[A-Za-z0-9._:-]{1,128}$/),
  trustProxy: Joi.boolean(),
  maxSessions: Joi.number().integer().min(1),
  maxSessionsPerClient: Joi.number().integer().min(1),
  sessionsPerMinute: Joi.number().integer().min(1),
  tokenTtl: duration,
  tokenSecret: Joi.string().min(16),
  reconnectGrace: duration,
  highWaterMark: size,
  lowWaterMark: size,
  maxPayload: size,
  heartbeatInterval: duration,
  headersTimeout: duration,
  bodyLimit: size,
  messagesPerSecond: Joi.number().integer().min(1),
});

export const configSchema = Joi.object({
  $schema: Joi.string(),
  defaultEnv: Joi.string().min(1),
  limits: limitsSchema,
  environments: Joi.object().pattern(Joi.string().pattern(/^[a-z][a-z0-9-]{0,31}$/), environmentSchema),
  server: serverSchema,
});
