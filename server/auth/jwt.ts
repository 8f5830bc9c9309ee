/**
 * Authentication of `POST /api/sessions`.
 *
 * - `anonymous`: everyone the Origin allowlist and the limits admit; the
 *   principal is the client address.
 * - `jwt`: the operator's identity provider signs a token the page sends as
 *   `Authorization: Bearer <token>`. It is verified with `jose` against an
 *   explicit algorithm allowlist (never `none`; a shared secret only for HS*,
 *   a public key or JWKS only for RS/PS/ES/EdDSA, so neither can stand in for
 *   the other), with `exp` and `sub` required and `aud` (and `iss`) checked
 *   with a small clock tolerance. An optional claim raises or lowers the
 *   user's limits.
 *
 * The token itself is never logged, never echoed in an error, never kept.
 */
import {createPublicKey, type KeyObject} from 'node:crypto';
import {createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey} from 'jose';
import type {AuthConfig, JwtAuthConfig} from '../../config/index.js';
import {SandboxError} from '../errors.js';

/** Per-user limits a token's claim may set; absent fields keep the server's. */
export interface PrincipalLimits {
  maxSessions?: number;
  sessionsPerMinute?: number;
}

/** Who asks for a session. `user` is set in jwt mode only (the token's `sub`). */
export interface Principal {
  user?: {id: string; limits: PrincipalLimits} | undefined;
}

/** The seam the HTTP layer uses; tests may pass their own. */
export interface AuthVerifier {
  readonly mode: AuthConfig['mode'];
  /** Resolves the principal, or rejects with a 401 SandboxError (`unauthorized`). */
  authenticate(authorization: string | undefined): Promise<Principal>;
}

/** The largest per-user limit a claim may set: a typo must not lift the caps. */
const MAX_CLAIMED_LIMIT = 1000;
/** Bearer tokens longer than this are refused unread. */
const MAX_TOKEN_LENGTH = 8192;

const unauthorized = (message: string) => new SandboxError('unauthorized', message);

/** Reads `Authorization: Bearer <token>`; anything else is refused. Pure. */
export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw unauthorized('an Authorization: Bearer token is required');
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)$/i.exec(authorization.trim());
  if (!match || match[1]!.length > MAX_TOKEN_LENGTH) throw unauthorized('the Authorization header must be "Bearer <token>"');
  return match[1]!;
}

/** Reads the per-user limits from a claim; malformed values are refused, not ignored. Pure. */
export function claimedLimits(payload: JWTPayload, claim: string | undefined): PrincipalLimits {
  if (!claim || !Object.hasOwn(payload, claim)) return {};
  const value = payload[claim];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unauthorized(`the token's "${claim}" claim must be an object`);
  }
  const limits: PrincipalLimits = {};
  for (const key of ['maxSessions', 'sessionsPerMinute'] as const) {
    if (!Object.hasOwn(value, key)) continue;
    const number = (value as Record<string, unknown>)[key];
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > MAX_CLAIMED_LIMIT) {
      throw unauthorized(`the token's "${claim}.${key}" must be a whole number from 0 to ${MAX_CLAIMED_LIMIT}`);
    }
    limits[key] = number;
  }
  return limits;
}

function verificationKey(jwt: JwtAuthConfig): Uint8Array | KeyObject | JWTVerifyGetKey {
  if (jwt.secret !== undefined) return new TextEncoder().encode(jwt.secret);
  if (jwt.publicKey !== undefined) return createPublicKey({key: jwt.publicKey, format: 'pem'});
  if (jwt.jwksUrl !== undefined) return createRemoteJWKSet(new URL(jwt.jwksUrl), {timeoutDuration: 5_000, cooldownDuration: 30_000});
  throw new Error('auth.jwt has no key (normalizeConfig prevents this)');
}

const anonymous: AuthVerifier = {
  mode: 'anonymous',
  authenticate: async () => ({}),
};

export function createAuthVerifier(auth: AuthConfig): AuthVerifier {
  if (auth.mode === 'anonymous' || !auth.jwt) return anonymous;
  const jwt = auth.jwt;
  const key = verificationKey(jwt);
  const options = {
    algorithms: jwt.algorithms,
    audience: jwt.audience,
    ...(jwt.issuer === undefined ? {} : {issuer: jwt.issuer}),
    clockTolerance: Math.round(jwt.clockTolerance / 1000),
    requiredClaims: ['exp', 'sub'],
  };
  return {
    mode: 'jwt',
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      let payload: JWTPayload;
      try {
        // Two calls, not one with a union: jose types the key and the getter apart.
        payload =
          typeof key === 'function' ? (await jwtVerify(token, key, options)).payload : (await jwtVerify(token, key, options)).payload;
      } catch (error) {
        // jose's codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, ...) tell
        // the client which check failed without echoing any part of the token.
        const code = (error as {code?: unknown}).code;
        throw new SandboxError('unauthorized', `the token was refused${typeof code === 'string' ? ` (${code})` : ''}`, {cause: error});
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
        throw unauthorized('the token needs a "sub" claim');
      }
      return {user: {id: payload.sub, limits: claimedLimits(payload, jwt.limitsClaim)}};
    },
  };
}
