import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SandboxError} from '../../errors.js';
import {parseShareRequest, sharePageUrl} from '../routes/shares.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof SandboxError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'accepted';
};

describe('share requests', () => {
  it('take a mode and a ttl, 30 minutes by default', () => {
    assert.deepEqual(parseShareRequest({mode: 'view', ttl: '30m'}), {mode: 'view', ttlMs: 1_800_000});
    assert.deepEqual(parseShareRequest({mode: 'control'}), {mode: 'control', ttlMs: 1_800_000});
    assert.deepEqual(parseShareRequest({mode: 'view', ttl: '90s'}), {mode: 'view', ttlMs: 90_000});
  });
  it('refuse anything else with bad-request and the fix', () => {
    assert.match(codeOf(() => parseShareRequest([])), /^bad-request/);
    assert.match(codeOf(() => parseShareRequest({mode: 'edit'})), /^bad-request: "mode" must be one of "view", "control"/);
    assert.match(codeOf(() => parseShareRequest({mode: 'view', ttl: 30})), /^bad-request: "ttl"/);
    assert.match(codeOf(() => parseShareRequest({mode: 'view', ttl: '25h'})), /^bad-request: "ttl" .*24h/);
    assert.match(codeOf(() => parseShareRequest({mode: 'view', ttl: '1s'})), /^bad-request: "ttl"/);
    assert.match(codeOf(() => parseShareRequest({mode: 'view', token: 'x'})), /^bad-request: unknown field "token"/);
  });
});

describe('the page a share link opens', () => {
  const allowed = (origin: string) => origin === 'https://docs.example';
  it('is the page the owner came from, without its query or fragment', () => {
    assert.equal(sharePageUrl('https://docs.example/docs/intro?x=1#old', 'https://docs.example/', allowed), 'https://docs.example/docs/intro');
  });
  it('is the site root for a missing, foreign or broken Referer', () => {
    for (const referer of [undefined, 'https://evil.example/docs/intro', 'javascript:alert(1)', 'not a url']) {
      assert.equal(sharePageUrl(referer, 'https://docs.example/', allowed), 'https://docs.example/');
    }
  });
});
