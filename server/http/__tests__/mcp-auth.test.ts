import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SignJWT} from 'jose';
import {normalizeConfig} from '../../../config/index.js';
import {createAuthVerifier} from '../../auth/jwt.js';
import {SandboxError} from '../../errors.js';
import {authenticateOperator, hasOperatorScope, isAdminBearer, OPERATOR_SCOPE} from '../routes/mcp.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const AUDIENCE = 'docs';
const jwtAuth = createAuthVerifier(normalizeConfig({auth: {mode: 'jwt', jwt: {secret: SECRET, audience: AUDIENCE}}}).auth);
const anonymousAuth = createAuthVerifier(normalizeConfig({}).auth);
const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({alg: 'HS256'}).setSubject('alice').setAudience(AUDIENCE).setExpirationTime('2m').sign(new TextEncoder().encode(SECRET));

const refusedWith = (pattern: RegExp) => (error: unknown) => error instanceof SandboxError && error.code === 'unauthorized' && error.httpStatus === 401 && pattern.test(error.message);

describe('/mcp authentication', () => {
  it('takes a Bearer equal to the admin token, and nothing near it', () => {
    assert.equal(isAdminBearer('Bearer s3cret-token', 's3cret-token'), true);
    assert.equal(isAdminBearer('bearer   s3cret-token', 's3cret-token'), true);
    for (const header of [undefined, '', 'Bearer s3cret-toke', 'Bearer s3cret-tokenX', 'Basic s3cret-token', 's3cret-token']) {
      assert.equal(isAdminBearer(header, 's3cret-token'), false, String(header));
    }
    assert.equal(isAdminBearer('Bearer ', ''), false, 'no admin token configured: nobody is the admin');
    assert.equal(isAdminBearer('Bearer x', undefined), false);
  });

  it('reads the operator scope from a space-separated scope claim only', () => {
    assert.equal(hasOperatorScope({scope: `read ${OPERATOR_SCOPE}`}), true);
    assert.equal(hasOperatorScope({scope: `${OPERATOR_SCOPE}x`}), false);
    assert.equal(hasOperatorScope({scope: [OPERATOR_SCOPE]}), false);
    assert.equal(hasOperatorScope({}), false);
  });

  it('the admin token is the operator "mcp:admin" in either auth mode', async () => {
    assert.deepEqual(await authenticateOperator('Bearer admin-token-123', anonymousAuth, 'admin-token-123'), {client: 'mcp:admin'});
    assert.deepEqual(await authenticateOperator('Bearer admin-token-123', jwtAuth, 'admin-token-123'), {client: 'mcp:admin'});
  });

  it('is never anonymous: without the admin token, anonymous mode refuses everyone', async () => {
    await assert.rejects(authenticateOperator(undefined, anonymousAuth, undefined), refusedWith(/admin token/));
    await assert.rejects(authenticateOperator('Bearer wrong', anonymousAuth, 'admin-token-123'), refusedWith(/admin token/));
    await assert.rejects(authenticateOperator(`Bearer ${await sign({scope: OPERATOR_SCOPE})}`, anonymousAuth, undefined), refusedWith(/admin token/));
  });

  it('in jwt mode takes a verified token with the operator scope, as its user', async () => {
    const operator = await authenticateOperator(`Bearer ${await sign({scope: `docs ${OPERATOR_SCOPE}`})}`, jwtAuth, undefined);
    assert.equal(operator.client, 'mcp:user:alice');
    assert.equal(operator.user?.id, 'alice');
  });

  it('in jwt mode refuses a reader token (no operator scope), a forged one and none', async () => {
    await assert.rejects(authenticateOperator(`Bearer ${await sign({})}`, jwtAuth, undefined), refusedWith(/sandbox:operator/));
    const forged = await new SignJWT({scope: OPERATOR_SCOPE})
      .setProtectedHeader({alg: 'HS256'})
      .setSubject('mallory')
      .setAudience(AUDIENCE)
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode('another-secret-of-at-least-32-characters'));
    await assert.rejects(authenticateOperator(`Bearer ${forged}`, jwtAuth, undefined), refusedWith(/refused/));
    await assert.rejects(authenticateOperator(undefined, jwtAuth, undefined), refusedWith(/Bearer/));
  });
});
