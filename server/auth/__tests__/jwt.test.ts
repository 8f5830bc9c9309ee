import assert from 'node:assert/strict';
import {generateKeyPairSync} from 'node:crypto';
import {describe, it} from 'node:test';
import {SignJWT, UnsecuredJWT} from 'jose';
import {normalizeConfig} from '../../../config/index.js';
import {SandboxError} from '../../errors.js';
import {bearerToken, claimedLimits, createAuthVerifier} from '../jwt.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const AUDIENCE = 'sandbox.example';

function verifier(jwt: Record<string, unknown>) {
  return createAuthVerifier(normalizeConfig({auth: {mode: 'jwt', jwt: {audience: AUDIENCE, ...jwt}}}).auth);
}

const sign = (claims: Record<string, unknown>, key: Uint8Array | import('node:crypto').KeyObject, alg: string, expiresIn: string | number = '2m') =>
  new SignJWT(claims).setProtectedHeader({alg}).setSubject('alice').setAudience(AUDIENCE).setIssuedAt().setExpirationTime(expiresIn).sign(key);

async function refused(promise: Promise<unknown>): Promise<SandboxError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SandboxError, String(error));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.httpStatus, 401);
    return error;
  }
  assert.fail('the token was accepted');
}

describe('JWT auth', () => {
  const secret = new TextEncoder().encode(SECRET);
  const rsa = generateKeyPairSync('rsa', {modulusLength: 2048});
  const rsaPem = rsa.publicKey.export({type: 'spki', format: 'pem'}).toString();
  const hs = verifier({secret: SECRET});

  it('anonymous mode admits everyone as nobody in particular', async () => {
    const anonymous = createAuthVerifier(normalizeConfig({}).auth);
    assert.equal(anonymous.mode, 'anonymous');
    assert.deepEqual(await anonymous.authenticate(undefined), {});
  });

  it('accepts a valid HS256 token and names the user by sub', async () => {
    const principal = await hs.authenticate(`Bearer ${await sign({}, secret, 'HS256')}`);
    assert.deepEqual(principal, {user: {id: 'alice', limits: {}}});
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await refused(hs.authenticate(undefined));
    await refused(hs.authenticate('Basic abc'));
    await refused(hs.authenticate('Bearer '));
    assert.throws(() => bearerToken(`Bearer ${'a'.repeat(9000)}`), SandboxError);
  });

  it('refuses alg none, another key, an expired token, a wrong audience, and never echoes the token', async () => {
    const none = new UnsecuredJWT({sub: 'alice'}).setAudience(AUDIENCE).setExpirationTime('2m').encode();
    const error = await refused(hs.authenticate(`Bearer ${none}`));
    assert.ok(!error.message.includes(none));
    await refused(hs.authenticate(`Bearer ${await sign({}, new TextEncoder().encode('another-secret-of-at-least-32-characters'), 'HS256')}`));
    await refused(hs.authenticate(`Bearer ${await sign({}, secret, 'HS256', Math.floor(Date.now() / 1000) - 60)}`));
    const wrongAudience = await new SignJWT({}).setProtectedHeader({alg: 'HS256'}).setSubject('a').setAudience('elsewhere').setExpirationTime('2m').sign(secret);
    await refused(hs.authenticate(`Bearer ${wrongAudience}`));
    const noExpiry = await new SignJWT({}).setProtectedHeader({alg: 'HS256'}).setSubject('a').setAudience(AUDIENCE).sign(secret);
    await refused(hs.authenticate(`Bearer ${noExpiry}`));
  });

  it('allows the configured clock tolerance on exp, no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await hs.authenticate(`Bearer ${await sign({}, secret, 'HS256', now - 2)}`);
    await refused(hs.authenticate(`Bearer ${await sign({}, secret, 'HS256', now - 10)}`));
  });

  it('algorithm confusion: an HS256 token signed with the public key PEM as secret is refused by an RS verifier', async () => {
    const rs = verifier({publicKey: rsaPem});
    await rs.authenticate(`Bearer ${await sign({}, rsa.privateKey, 'RS256')}`);
    const confused = await sign({}, new TextEncoder().encode(rsaPem), 'HS256');
    await refused(rs.authenticate(`Bearer ${confused}`));
    // and an HS verifier never accepts an RS token
    await refused(hs.authenticate(`Bearer ${await sign({}, rsa.privateKey, 'RS256')}`));
  });

  it('config refuses algorithms that do not fit the key, and "none" always', () => {
    assert.throws(() => verifier({secret: SECRET, algorithms: ['RS256']}), /auth\.jwt\.algorithms.*shared secret/);
    assert.throws(() => verifier({publicKey: rsaPem, algorithms: ['HS256']}), /auth\.jwt\.algorithms.*public key/);
    assert.throws(() => verifier({secret: SECRET, algorithms: ['none']}), /auth\.jwt\.algorithms/);
    assert.throws(() => verifier({secret: 'short'}), /at least 32 characters/);
    assert.throws(() => verifier({secret: SECRET, publicKey: rsaPem}), /auth\.jwt/);
    assert.throws(() => normalizeConfig({auth: {mode: 'jwt', jwt: {secret: SECRET}}}), /audience/);
    assert.throws(() => normalizeConfig({auth: {mode: 'jwt'}}), /secret.*publicKey.*jwksUrl/);
  });

  it('a limits claim raises or lowers the per-user limits; malformed values are refused', async () => {
    const limited = verifier({secret: SECRET, limitsClaim: 'sandbox'});
    const principal = await limited.authenticate(`Bearer ${await sign({sandbox: {maxSessions: 1, sessionsPerMinute: 50}}, secret, 'HS256')}`);
    assert.deepEqual(principal.user?.limits, {maxSessions: 1, sessionsPerMinute: 50});
    await refused(limited.authenticate(`Bearer ${await sign({sandbox: {maxSessions: 1e9}}, secret, 'HS256')}`));
    assert.throws(() => claimedLimits({sandbox: 'x'}, 'sandbox'), SandboxError);
    assert.deepEqual(claimedLimits({sandbox: {__proto__: {maxSessions: 9}}}, 'sandbox'), {});
  });
});
