import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {TOKEN_SUBPROTOCOL_PREFIX} from '../../../protocol/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {SessionTokens} from '../tokens.js';

describe('SessionTokens', () => {
  const clock = new ManualClock();
  const tokens = new SessionTokens({secret: 'a-secret-of-16-chars', ttlMs: 60_000, clock});

  it('verifies its own token for the same session only', () => {
    const token = tokens.issue('session-a');
    assert.equal(tokens.verify(token, 'session-a'), true);
    assert.equal(tokens.verify(token, 'session-b'), false);
  });

  it('refuses an expired token', () => {
    const token = tokens.issue('session-a');
    clock.advance(60_001);
    assert.equal(tokens.verify(token, 'session-a'), false);
  });

  it('refuses tampered, truncated and foreign tokens', () => {
    const token = tokens.issue('s');
    const [expiry, mac] = token.split('.') as [string, string];
    const later = (Number.parseInt(expiry, 36) + 1_000_000).toString(36);
    assert.equal(tokens.verify(`${later}.${mac}`, 's'), false, 'extended expiry');
    assert.equal(tokens.verify(token.slice(0, -1), 's'), false);
    assert.equal(tokens.verify('', 's'), false);
    const other = new SessionTokens({secret: 'another-secret-16-chars', ttlMs: 60_000, clock});
    assert.equal(other.verify(token, 's'), false);
    const random = new SessionTokens({ttlMs: 60_000, clock});
    assert.equal(random.verify(token, 's'), false);
  });

  it('uses only characters a WebSocket subprotocol token may hold', () => {
    const token = tokens.issue('x');
    assert.match(TOKEN_SUBPROTOCOL_PREFIX + token, /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
  });
});
