/**
 * Session tokens: short-lived, HMAC-signed, bound to one session id.
 * Format `<expiry base36>.<HMAC-SHA256 base64url>`; both parts are RFC 7230
 * token characters, so the token can travel as a WebSocket subprotocol
 * (`sandbox.token.<token>`), where browsers can set it and proxies do not log it.
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import type {Clock} from '../clock.js';

export interface TokenVerifier {
  /** A token for `sessionId`, valid for `ttlMs` (default: the verifier's own lifetime). */
  issue(sessionId: string, ttlMs?: number): string;
  verify(token: string, sessionId: string): boolean;
}

export class SessionTokens implements TokenVerifier {
  private readonly secret: Buffer;

  constructor(
    private readonly options: {secret?: string | undefined; ttlMs: number; clock: Clock},
  ) {
    // A random secret per start: tokens die with the process, which is what a
    // single server wants; several servers behind one balancer share `tokenSecret`.
    this.secret = options.secret ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
  }

  private mac(sessionId: string, expiry: string): Buffer {
    return createHmac('sha256', this.secret).update(`${sessionId}.${expiry}`).digest();
  }

  issue(sessionId: string, ttlMs = this.options.ttlMs): string {
    const expiry = (this.options.clock.now() + ttlMs).toString(36);
    return `${expiry}.${this.mac(sessionId, expiry).toString('base64url')}`;
  }

  /**
   * A key for another kind of token (`purpose`, e.g. "share"), derived from
   * this secret: tokens of one kind never verify as another.
   */
  derivedKey(purpose: string): Buffer {
    return createHmac('sha256', this.secret).update(`docusaurus-sandbox token key: ${purpose}`).digest();
  }

  verify(token: string, sessionId: string): boolean {
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    const [, expiry, signature] = match as unknown as [string, string, string];
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(sessionId, expiry);
    // Constant-time compare first, expiry second: the timing tells nothing either way.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    return Number.parseInt(expiry, 36) > this.options.clock.now();
  }
}
