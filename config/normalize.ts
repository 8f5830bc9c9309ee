import {readFileSync} from 'node:fs';
import {
  type AuthConfig,
  type AuthConfigInput,
  BUNDLED_ENVIRONMENTS,
  HMAC_ALGORITHMS,
  MAX_MANIFEST_GRACE_MS,
  MAX_TOKEN_TTL_MS,
  PUBLIC_KEY_ALGORITHMS,
  configSchema,
  DEFAULT_ENV,
  DEFAULT_SERVER,
  type EnvironmentConfig,
  type SandboxConfig,
  type SandboxConfigInput,
  type ServerConfig,
} from './schema.js';
import {ConfigError} from './errors.js';
import {checkLimits, DEFAULT_LIMITS, normalizeLimits} from './limits.js';
import {parseDuration, parseSize} from './units.js';

export {ConfigError} from './errors.js';

type Unitful = number | string | undefined;
const toMs = (value: Unitful, fallback: number) => (value === undefined ? fallback : parseDuration(value)!);
const toBytes = (value: Unitful, fallback: number) => (value === undefined ? fallback : parseSize(value)!);

function normalizeServer(input: Record<string, unknown> | undefined): ServerConfig {
  const given = (input ?? {}) as Record<string, Unitful> & Partial<ServerConfig>;
  const server: ServerConfig = {
    ...DEFAULT_SERVER,
    ...(given as Partial<ServerConfig>),
    tokenTtl: toMs(given.tokenTtl, DEFAULT_SERVER.tokenTtl),
    reconnectGrace: toMs(given.reconnectGrace, DEFAULT_SERVER.reconnectGrace),
    heartbeatInterval: toMs(given.heartbeatInterval, DEFAULT_SERVER.heartbeatInterval),
    headersTimeout: toMs(given.headersTimeout, DEFAULT_SERVER.headersTimeout),
    highWaterMark: toBytes(given.highWaterMark, DEFAULT_SERVER.highWaterMark),
    lowWaterMark: toBytes(given.lowWaterMark, DEFAULT_SERVER.lowWaterMark),
    maxPayload: toBytes(given.maxPayload, DEFAULT_SERVER.maxPayload),
    bodyLimit: toBytes(given.bodyLimit, DEFAULT_SERVER.bodyLimit),
    manifestGrace: toMs(given.manifestGrace, DEFAULT_SERVER.manifestGrace),
    origins: [...(given.origins ?? DEFAULT_SERVER.origins)],
  };
  if (server.tokenTtl > MAX_TOKEN_TTL_MS || server.tokenTtl < 1_000) {
    throw new ConfigError(
      `invalid sandbox config option "server.tokenTtl": session tokens must live between 1s and 5m (got ${server.tokenTtl} ms); a leaked token must expire soon`,
    );
  }
  if (server.manifestGrace > MAX_MANIFEST_GRACE_MS) {
    throw new ConfigError(
      `invalid sandbox config option "server.manifestGrace": at most 168h (7 days; got ${server.manifestGrace} ms); the blocks of a replaced manifest are held in memory until it ends`,
    );
  }
  if (server.redis !== undefined && server.node === undefined) {
    throw new ConfigError('invalid sandbox config option "server.redis": a gateway of a cluster needs its name too; set "server.node" (or --node)');
  }
  if (server.lowWaterMark >= server.highWaterMark) {
    throw new ConfigError('server.lowWaterMark must be below server.highWaterMark');
  }
  return server;
}

const DEFAULT_CLOCK_TOLERANCE_MS = 5_000;

function normalizeAuth(input: AuthConfigInput | undefined): AuthConfig {
  const mode = input?.mode ?? 'anonymous';
  const given = input?.jwt;
  if (mode === 'anonymous') {
    if (given) throw new ConfigError('invalid sandbox config option "auth.jwt": set "auth.mode": "jwt" to use it, or remove it');
    return {mode};
  }
  if (!given || !(given.secret || given.publicKey || given.jwksUrl)) {
    throw new ConfigError('invalid sandbox config option "auth.jwt": jwt mode needs one of "secret", "publicKey" or "jwksUrl"');
  }
  if (given.audience === undefined) throw new ConfigError('invalid sandbox config option "auth.jwt.audience": required in jwt mode');
  const symmetric = given.secret !== undefined;
  const allowed: readonly string[] = symmetric ? HMAC_ALGORITHMS : PUBLIC_KEY_ALGORITHMS;
  const algorithms = [...(given.algorithms ?? (symmetric ? ['HS256'] : ['RS256', 'ES256']))];
  // Algorithm confusion: a shared secret must never verify an RS/ES token, and a
  // public key must never be used as an HMAC secret.
  const wrong = algorithms.find((algorithm) => !allowed.includes(algorithm));
  if (wrong) {
    throw new ConfigError(
      `invalid sandbox config option "auth.jwt.algorithms": ${wrong} does not fit a ${symmetric ? 'shared secret (use HS256, HS384 or HS512)' : 'public key or JWKS (use RS*, PS*, ES* or EdDSA)'}`,
    );
  }
  return {
    mode,
    jwt: {
      secret: given.secret,
      publicKey: given.publicKey,
      jwksUrl: given.jwksUrl,
      algorithms,
      audience: typeof given.audience === 'string' ? [given.audience] : [...given.audience],
      issuer: given.issuer,
      clockTolerance: toMs(given.clockTolerance, DEFAULT_CLOCK_TOLERANCE_MS),
      limitsClaim: given.limitsClaim,
    },
  };
}

/**
 * Validates a user configuration and fills in every default. Throws a
 * ConfigError whose message names the offending option.
 */
export function normalizeConfig(input: unknown = {}): SandboxConfig {
  const {error, value} = configSchema.validate(input ?? {}, {abortEarly: true, convert: false});
  if (error) {
    const detail = error.details[0];
    const path = detail?.path.join('.') || '(root)';
    throw new ConfigError(`invalid sandbox config option "${path}": ${detail?.message ?? error.message}`);
  }
  const config = value as SandboxConfigInput;
  const limits = normalizeLimits(config.limits as Record<string, Unitful>, DEFAULT_LIMITS);
  checkLimits(limits, 'limits');

  const environments: Record<string, EnvironmentConfig> = {};
  const names = new Set([...Object.keys(BUNDLED_ENVIRONMENTS), ...Object.keys(config.environments ?? {})]);
  for (const name of names) {
    const given = config.environments?.[name];
    if (given === null) continue; // `"node": null` removes a bundled environment
    const bundled = BUNDLED_ENVIRONMENTS[name];
    const merged = {...bundled, ...given};
    for (const key of ['image', 'file', 'cmd'] as const) {
      if (!merged[key]) {
        throw new ConfigError(`invalid sandbox config option "environments.${name}.${key}": required for an environment that is not bundled`);
      }
    }
    const envLimits = normalizeLimits(given?.limits as Record<string, Unitful>, limits);
    checkLimits(envLimits, `environments.${name}.limits`);
    environments[name] = {
      image: merged.image!,
      file: merged.file!,
      cmd: merged.cmd!,
      shell: merged.shell ?? 'sh',
      lang: merged.lang ?? 'text',
      runtime: merged.runtime,
      network: merged.network ?? false,
      poolSize: Number(merged.poolSize ?? 0),
      limits: envLimits,
    };
  }

  const defaultEnv = config.defaultEnv ?? DEFAULT_ENV;
  if (!environments[defaultEnv]) {
    throw new ConfigError(
      `invalid sandbox config option "defaultEnv": "${defaultEnv}" is not an environment (known: ${Object.keys(environments).join(', ')})`,
    );
  }
  return {
    defaultEnv,
    limits,
    environments,
    server: normalizeServer(config.server as Record<string, unknown>),
    auth: normalizeAuth(config.auth),
  };
}

/** Reads and parses a JSON config file; a missing optional file gives `{}`. */
export function readConfigFile(path: string, {optional = false} = {}): SandboxConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read sandbox config file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as SandboxConfigInput;
  } catch (error) {
    throw new ConfigError(`sandbox config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Server settings that may come from the environment, for containers and systemd units. */
export const ENV_VARIABLES: Record<string, {key: keyof ServerConfig; type: 'string' | 'number' | 'boolean' | 'list'}> = {
  SANDBOX_PORT: {key: 'port', type: 'number'},
  SANDBOX_HOST: {key: 'host', type: 'string'},
  SANDBOX_ALLOW_INLINE: {key: 'allowInline', type: 'boolean'},
  SANDBOX_ORIGINS: {key: 'origins', type: 'list'},
  SANDBOX_INSTANCE_ID: {key: 'instanceId', type: 'string'},
  SANDBOX_TOKEN_SECRET: {key: 'tokenSecret', type: 'string'},
  SANDBOX_TRUST_PROXY: {key: 'trustProxy', type: 'boolean'},
  SANDBOX_MCP: {key: 'mcp', type: 'boolean'},
  SANDBOX_NODE: {key: 'node', type: 'string'},
  SANDBOX_REDIS: {key: 'redis', type: 'string'},
};

export function serverOverridesFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const [variable, {key, type}] of Object.entries(ENV_VARIABLES)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (type === 'number') {
      const number = Number(raw);
      if (!Number.isInteger(number)) throw new ConfigError(`${variable} must be a whole number (got "${raw}")`);
      overrides[key] = number;
    } else if (type === 'boolean') {
      if (!/^(1|0|true|false)$/.test(raw)) throw new ConfigError(`${variable} must be true or false (got "${raw}")`);
      overrides[key] = raw === '1' || raw === 'true';
    } else if (type === 'list') {
      overrides[key] = raw.split(',').map((item) => item.trim()).filter(Boolean);
    } else {
      overrides[key] = raw;
    }
  }
  return overrides;
}

/**
 * Loads the configuration the way the server does: defaults, then the file,
 * then SANDBOX_* environment variables, then command-line flags.
 */
export function loadConfig(options: {
  file?: string | undefined;
  optionalFile?: boolean;
  env?: NodeJS.ProcessEnv;
  server?: Record<string, unknown>;
} = {}): SandboxConfig {
  const fromFile = options.file ? readConfigFile(options.file, {optional: options.optionalFile ?? false}) : {};
  const server = {
    ...(fromFile.server ?? {}),
    ...serverOverridesFromEnv(options.env ?? {}),
    ...(options.server ?? {}),
  };
  // The JWT secret may come from the environment so it stays out of config files.
  const jwtSecret = options.env?.SANDBOX_JWT_SECRET;
  const auth = jwtSecret ? {...fromFile.auth, jwt: {...fromFile.auth?.jwt, secret: jwtSecret}} : fromFile.auth;
  return normalizeConfig({...fromFile, server, ...(auth ? {auth} : {})});
}
