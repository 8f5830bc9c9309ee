/**
 * Share tokens: the credential a viewer's socket offers (`sandbox.share.<token>`).
 * Format `<share id>.<expiry base36>.<HMAC-SHA256 base64url>`, signed with a key
 * derived from the session-token secret for this purpose only, over the
 * session id, the share id, the mode and the expiry. So a share token never
 * verifies as a session token (other key, other shape) nor the other way
 * round, cannot be moved to another session or mode, and dies at its expiry;
 * a revoked share is refused because its record is gone (`SessionShares`).
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {SHARE_MODES, type ShareMode} from '../../protocol/index.js';
import type {Clock} from '../clock.js';

/** What a verified token names; the share's record must still exist for it to open anything. */
export interface ShareClaim {
  shareId: string;
  mode: ShareMode;
  expiresAt: number;
}

/** 12 random bytes: ids are not secret (the MAC is), only unique. */
const SHARE_ID_BYTES = 12;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{16})\.([0-9a-z]{1,12})\.([vc])\.([A-Za-z0-9_-]{43})$/;
const MODE_LETTER: Record<ShareMode, string> = {view: 'v', control: 'c'};

export class ShareTokens {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
  ) {}

  private mac(sessionId: string, shareId: string, mode: ShareMode, expiry: string): Buffer {
    return createHmac('sha256', this.key).update(`share\n${sessionId}\n${shareId}\n${mode}\n${expiry}`).digest();
  }

  /** A new share of `sessionId`: its id and token, valid until `expiresAt` (ms since the epoch). */
  issue(sessionId: string, mode: ShareMode, expiresAt: number): {shareId: string; token: string} {
    const shareId = randomBytes(SHARE_ID_BYTES).toString('base64url');
    const expiry = expiresAt.toString(36);
    const signature = this.mac(sessionId, shareId, mode, expiry).toString('base64url');
    return {shareId, token: `${shareId}.${expiry}.${MODE_LETTER[mode]}.${signature}`};
  }

  /** The share a token names, when it is well formed, signed for `sessionId` and unexpired. */
  verify(token: string, sessionId: string): ShareClaim | undefined {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return undefined;
    const [, shareId, expiry, letter, signature] = match as unknown as [string, string, string, string, string];
    const mode = SHARE_MODES.find((candidate) => MODE_LETTER[candidate] === letter)!;
    const given = Buffer.from(signature, 'base64url');
    const expected = this.mac(sessionId, shareId, mode, expiry);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = Number.parseInt(expiry, 36);
    return expiresAt > this.clock.now() ? {shareId, mode, expiresAt} : undefined;
  }
}
