/**
 * The one configuration schema shared by the Docusaurus plugin (which needs the
 * environment names, file/cmd defaults and limits to validate fences at build
 * time) and the server (whose values win for images, limits and runtimes).
 *
 * Users write human units ("30s", "256m"); `normalizeConfig` turns them into
 * numbers: every duration is in milliseconds, every size in bytes.
 */
import Joi from 'joi';
import {type Limits, limitsSchema} from './limits.js';
import {durationSchema as duration, sizeSchema as size} from './unit-schemas.js';

export {DEFAULT_LIMITS, type Limits} from './limits.js';

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
  /** Sessions running at once per authenticated user (`sub`); jwt mode only, claims may change it. */
  maxSessionsPerUser: number;
  /** Request headers parsed per request; Node drops the rest (http.Server#maxHeadersCount). */
  maxHeadersCount: number;
  /**
   * After a rebuild of the served site, how long blocks that are no longer in
   * its manifest stay runnable, for pages loaded before the deploy (ms; 0: none).
   */
  manifestGrace: number;
  /** Serve the MCP tools over Streamable HTTP at `/mcp`, for the admin token or an operator JWT only. */
  mcp: boolean;
  /** Viewers (sockets joined through shares) one session may have at once. */
  maxViewersPerSession: number;
  /** Shares (live links) one session may have at once. */
  maxSharesPerSession: number;
  /** Shares one client address may create per minute. */
  sharesPerMinute: number;
  /**
   * This gateway's name in a cluster (one gateway per Docker engine): session
   * URLs carry it (`…/api/nodes/<node>/…`) so the balancer reaches the owner.
   */
  node?: string | undefined;
  /**
   * Redis of a cluster (`redis://host:port`): cluster-wide limits, the session
   * directory and node heartbeats. None: this server alone, as without a cluster.
   */
  redis?: string | undefined;
}

/** JWT verification of the operator's identity provider's tokens */
export interface JwtAuthConfig {
  /** HS256/384/512 shared secret (at least 32 characters). */
  secret?: string | undefined;
  /** PEM public key (SPKI) for RS/PS/ES/EdDSA tokens. */
  publicKey?: string | undefined;
  /** JWKS endpoint of the identity provider, for RS/PS/ES/EdDSA tokens. */
  jwksUrl?: string | undefined;
  /** Explicit allowlist; default HS256 for a secret, RS256 and ES256 for a public key or JWKS. */
  algorithms: string[];
  /** Required `aud` (one of these). */
  audience: string[];
  /** Required `iss`, when set. */
  issuer?: string | undefined;
  /** Clock skew accepted on `exp`/`nbf` (ms). */
  clockTolerance: number;
  /** Claim holding per-user limits, e.g. `{"maxSessions": 2, "sessionsPerMinute": 10}`. */
  limitsClaim?: string | undefined;
}

export interface AuthConfig {
  /** `anonymous`: anyone the origin and limits admit; `jwt`: a Bearer token of the operator's provider. */
  mode: 'anonymous' | 'jwt';
  jwt?: JwtAuthConfig | undefined;
}

export interface SandboxConfig {
  defaultEnv: string;
  limits: Limits;
  environments: Record<string, EnvironmentConfig>;
  server: ServerConfig;
  auth: AuthConfig;
}

/** What a user writes: every field optional, units as text or numbers. */
export type DeepPartialInput<T> = {
  [K in keyof T]?: T[K] extends number ? number | string : T[K] extends object ? DeepPartialInput<T[K]> : T[K];
};
export type SandboxConfigInput = DeepPartialInput<Omit<SandboxConfig, 'environments' | 'auth'>> & {
  auth?: AuthConfigInput;
  environments?: Record<string, DeepPartialInput<EnvironmentConfig> | null>;
};

export interface AuthConfigInput {
  mode?: AuthConfig['mode'];
  jwt?: {
    secret?: string;
    publicKey?: string;
    jwksUrl?: string;
    algorithms?: string[];
    audience?: string | string[];
    issuer?: string;
    clockTolerance?: number | string;
    limitsClaim?: string;
  };
}

export const IMAGE_TAG = '1';

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
  maxSessionsPerUser: 4,
  maxHeadersCount: 100,
  manifestGrace: 3_600_000,
  mcp: false,
  maxViewersPerSession: 8,
  maxSharesPerSession: 4,
  sharesPerMinute: 10,
};

/** A replaced manifest's blocks are kept at most this long (ms). */
export const MAX_MANIFEST_GRACE_MS = 7 * 24 * 3_600_000;

/** Session tokens live at most this long: a leaked token is useless soon. */
export const MAX_TOKEN_TTL_MS = 300_000;

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const DEFAULT_ENV = 'shell';

/** A node name (`server.node`): also a path segment and an nginx map key, so plain. */
export const NODE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

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
  maxSessionsPerUser: Joi.number().integer().min(1),
  maxHeadersCount: Joi.number().integer().min(10).max(1000),
  manifestGrace: duration,
  mcp: Joi.boolean(),
  maxViewersPerSession: Joi.number().integer().min(1).max(1000),
  maxSharesPerSession: Joi.number().integer().min(1).max(100),
  sharesPerMinute: Joi.number().integer().min(1),
  node: Joi.string().pattern(NODE_NAME_PATTERN).messages({'string.pattern.base': '{{#label}} must be a node name: a lower-case letter, then up to 31 lower-case letters, digits or "-" (e.g. "n1")'}),
  redis: Joi.string().uri({scheme: ['redis', 'rediss']}).messages({'string.uriCustomScheme': '{{#label}} must be a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379"'}),
});

const jwtSchema = Joi.object({
  secret: Joi.string().min(32).messages({'string.min': '{{#label}} must be at least 32 characters (256 bits) for HS256'}),
  publicKey: Joi.string().pattern(/-----BEGIN PUBLIC KEY-----/).messages({'string.pattern.base': '{{#label}} must be a PEM public key (-----BEGIN PUBLIC KEY-----)'}),
  jwksUrl: Joi.string().uri({scheme: ['https', 'http']}),
  // "none" is in neither list, so it can never be allowed.
  algorithms: Joi.array().items(Joi.string().valid(...HMAC_ALGORITHMS, ...PUBLIC_KEY_ALGORITHMS)).min(1),
  audience: Joi.alternatives(Joi.string().min(1), Joi.array().items(Joi.string().min(1)).min(1)).required(),
  issuer: Joi.string().min(1),
  clockTolerance: duration,
  limitsClaim: Joi.string().pattern(/^[A-Za-z0-9_:./-]{1,64}$/),
}).oxor('secret', 'publicKey', 'jwksUrl');

const authSchema = Joi.object({
  mode: Joi.string().valid('anonymous', 'jwt'),
  jwt: jwtSchema,
});

export const configSchema = Joi.object({
  $schema: Joi.string(),
  defaultEnv: Joi.string().min(1),
  limits: limitsSchema,
  environments: Joi.object().pattern(Joi.string().pattern(/^[a-z][a-z0-9-]{0,31}$/), environmentSchema),
  server: serverSchema,
  auth: authSchema,
});
