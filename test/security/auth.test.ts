/**
 * Authentication and origin: refused upgrades (no token,
 * expired, `alg: none`, another key's, another session's) answer 401 and start
 * no container; a wrong or missing Origin answers 403; jwt mode refuses POSTs
 * without a valid operator token; tokens never reach the logs; no response
 * carries `Access-Control-Allow-Origin: *`.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {SignJWT, UnsecuredJWT} from 'jose';
import {normalizeConfig} from '../../config/index.js';
import {clientSubprotocols, SUBPROTOCOL, type CreateSessionResponse} from '../../protocol/index.js';
import {createSandboxServer, type SandboxServer} from '../../server/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {ManualClock} from '../helpers/clock.js';
import {SessionTokens} from '../../server/sessions/tokens.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, refusedUpgrade, serverClient, startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';
import {sandboxEnvironments, waitForCounters} from './runtime.js';

const TOKEN_SECRET = 'security-suite-session-token-secret';
const JWT_SECRET = 'security-suite-operator-jwt-secret-0123456789';
const AUDIENCE = 'docs.example';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session token for `sessionId` as another server (secret) or another time would mint it. */
function forgedToken(sessionId: string, options: {secret: string; expiredMsAgo?: number}): string {
  const clock = new ManualClock(Date.now() - (options.expiredMsAgo ?? 0) - 60_000);
  return new SessionTokens({secret: options.secret, ttlMs: 60_000, clock}).issue(sessionId);
}

describe('authentication and origin (security)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-auth');
  let server: TestServer;
  let wsBase: string;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      config: {environments: sandboxEnvironments(), server: {tokenSecret: TOKEN_SECRET}},
    });
    wsBase = server.url.replace(/^http/, 'ws');
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('upgrades without a valid token for this session get 401 and start no container', async () => {
    const mine = await server.create({env: 'shell', cmd: 'sleep 20'});
    const other = await server.create({env: 'shell', cmd: 'sleep 20'});
    // Both containers exist (or are starting); from now on the count must not move.
    await sleep(500);
    const before = labelledContainers(instanceId).length;
    const url = `${wsBase}${mine.ws}`;
    const none = new UnsecuredJWT({sub: mine.id}).setExpirationTime('2m').encode();
    const attempts: Array<[string, string[], string?]> = [
      ['no token', [SUBPROTOCOL]],
      ['expired token', clientSubprotocols(forgedToken(mine.id, {secret: TOKEN_SECRET, expiredMsAgo: 1_000}))],
      ['alg: none token', [SUBPROTOCOL, `sandbox.token.${none}`]],
      ["another key's token", clientSubprotocols(forgedToken(mine.id, {secret: 'a-different-server-secret-entirely'}))],
      ["another session's token", clientSubprotocols(other.token)],
      ['garbage token', clientSubprotocols('x'.repeat(300))],
    ];
    for (const [what, protocols] of attempts) {
      const refused = await refusedUpgrade(url, protocols, server.origin);
      assert.equal(refused.status, 401, what);
      assert.equal(JSON.parse(refused.body).error.code, 'unauthorized', what);
    }
    // Also through ?token= (the fallback) for the foreign token.
    const byQuery = await refusedUpgrade(`${url}?token=${encodeURIComponent(other.token)}`, [SUBPROTOCOL], server.origin);
    assert.equal(byQuery.status, 401);
    // An unknown session with a well-formed token: same answer, nothing learnt.
    const unknown = await refusedUpgrade(`${wsBase}/api/sessions/nosuchsession/ws`, clientSubprotocols(mine.token), server.origin);
    assert.equal(unknown.status, 401);
    assert.equal(labelledContainers(instanceId).length, before, 'no container was created by a refused upgrade');
    // The real token still works afterwards.
    const client = await server.connect(mine);
    client.control({type: 'signal', signal: 'SIGKILL'});
    await client.waitForExit();
    const otherClient = await server.connect(other);
    otherClient.control({type: 'signal', signal: 'SIGKILL'});
    await otherClient.waitForExit();
  });

  it('a wrong or missing Origin gets 403 on POST and on the upgrade', async () => {
    const before = await waitForNoContainers(instanceId);
    for (const origin of ['http://evil.example', `${server.origin}.evil.example`, 'null']) {
      const response = await server.post({env: 'shell', cmd: 'true'}, {origin});
      assert.equal(response.status, 403, origin);
      assert.equal((response.body as {error: {code: string}}).error.code, 'origin-not-allowed');
    }
    const noOrigin = await fetch(`${server.url}/api/sessions`, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'});
    assert.equal(noOrigin.status, 403, 'a request without Origin is refused by default');
    assert.equal(labelledContainers(instanceId).length, before);

    const session = await server.create({env: 'shell', cmd: 'sleep 20'});
    const url = `${wsBase}${session.ws}`;
    assert.equal((await refusedUpgrade(url, clientSubprotocols(session.token), 'http://evil.example')).status, 403);
    assert.equal((await refusedUpgrade(url, clientSubprotocols(session.token))).status, 403, 'missing Origin on the upgrade');
    const client = await server.connect(session);
    client.control({type: 'signal', signal: 'SIGKILL'});
    await client.waitForExit();
  });

  it('no response ever carries Access-Control-Allow-Origin: *', async () => {
    const checks: Array<[string, RequestInit]> = [
      ['/api/health', {}],
      ['/api/ready', {}],
      ['/api/sessions', {method: 'OPTIONS', headers: {origin: 'http://evil.example', 'access-control-request-method': 'POST'}}],
      ['/api/sessions', {method: 'OPTIONS', headers: {origin: server.origin, 'access-control-request-method': 'POST'}}],
      ['/api/sessions', {method: 'POST', headers: {origin: 'http://evil.example'}, body: '{}'}],
      ['/api/nothing', {headers: {origin: 'http://evil.example'}}],
    ];
    for (const [path, init] of checks) {
      const response = await fetch(`${server.url}${path}`, init);
      await response.arrayBuffer();
      const allowed = response.headers.get('access-control-allow-origin');
      assert.notEqual(allowed, '*', `${init.method ?? 'GET'} ${path}`);
      if (allowed !== null) assert.equal(allowed, server.origin, 'only the exact allowed origin is echoed');
    }
  });
});

describe('allowNoOrigin and configured origins (security)', {skip: needDocker()}, () => {
  it('with allowNoOrigin a non-browser client connects without Origin; a configured list is matched exactly', async () => {
    const instanceId = testInstanceId('sec-origin');
    await using server = await startTestServer({
      instanceId,
      config: {environments: sandboxEnvironments(), server: {allowNoOrigin: true, origins: ['https://docs.example']}},
    });
    const response = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({env: 'shell', cmd: 'echo hi'}),
    });
    assert.equal(response.status, 201);
    const session = (await response.json()) as CreateSessionResponse;
    // The server's own origin is no longer allowed once a list is configured.
    assert.equal((await server.post({env: 'shell', cmd: 'true'})).status, 403);
    assert.equal((await server.post({env: 'shell', cmd: 'true'}, {origin: 'https://docs.example/'})).status, 403, 'exact match, no normalising');
    const client = await server.connect(session, {origin: null});
    await client.waitForExit();
    await server.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });
});

describe('jwt mode (security)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-jwt');
  const lines: string[] = [];
  let server: SandboxServer;
  let url: string;
  const secret = new TextEncoder().encode(JWT_SECRET);
  const operatorToken = (sub: string, claims: Record<string, unknown> = {}, expires: string | number = '2m') =>
    new SignJWT(claims).setProtectedHeader({alg: 'HS256'}).setSubject(sub).setAudience(AUDIENCE).setExpirationTime(expires).sign(secret);

  before(async () => {
    await buildImages({envs: ['shell']});
    const record = (level: string) => (details: Record<string, unknown>, message: string) => lines.push(`${level} ${message} ${JSON.stringify(details)}`);
    const config = normalizeConfig({
      environments: sandboxEnvironments(),
      auth: {mode: 'jwt', jwt: {secret: JWT_SECRET, audience: AUDIENCE, limitsClaim: 'sandbox'}},
      server: {port: 0, host: '127.0.0.1', allowInline: true, instanceId, maxSessionsPerUser: 2, maxSessionsPerClient: 10, sessionsPerMinute: 100},
    });
    server = createSandboxServer({config, logger: {info: record('info'), warn: record('warn'), error: record('error')}});
    ({url} = await server.listen());
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('POST without, with an alg:none, a foreign-key, an expired or a wrong-audience token: 401, no container', async () => {
    const client = serverClient(url);
    const before = labelledContainers(instanceId).length;
    const none = new UnsecuredJWT({sub: 'mallory'}).setAudience(AUDIENCE).setExpirationTime('2m').encode();
    const foreign = await new SignJWT({}).setProtectedHeader({alg: 'HS256'}).setSubject('mallory').setAudience(AUDIENCE).setExpirationTime('2m')
      .sign(new TextEncoder().encode('another-identity-provider-secret-0123456789'));
    const wrongAudience = await new SignJWT({}).setProtectedHeader({alg: 'HS256'}).setSubject('mallory').setAudience('elsewhere').setExpirationTime('2m').sign(secret);
    const cases: Array<[string, Record<string, string>]> = [
      ['no Authorization', {}],
      ['alg none', {authorization: `Bearer ${none}`}],
      ['foreign key', {authorization: `Bearer ${foreign}`}],
      ['expired', {authorization: `Bearer ${await operatorToken('mallory', {}, Math.floor(Date.now() / 1000) - 60)}`}],
      ['wrong audience', {authorization: `Bearer ${wrongAudience}`}],
      ['not bearer', {authorization: `Basic ${Buffer.from('a:b').toString('base64')}`}],
    ];
    for (const [what, headers] of cases) {
      const response = await client.post({env: 'shell', cmd: 'true'}, headers);
      assert.equal(response.status, 401, what);
      assert.equal((response.body as {error: {code: string}}).error.code, 'unauthorized', what);
    }
    assert.equal(labelledContainers(instanceId).length, before);
    assert.deepEqual(server.admission.snapshot().windowEntries, 0, 'refused requests do not even count against the rate');
  });

  it('a valid token creates a session; per-user concurrency is counted by sub and a claim lowers it', async () => {
    const client = serverClient(url);
    const alice = {authorization: `Bearer ${await operatorToken('alice')}`};
    const first = await client.post({env: 'shell', cmd: 'sleep 30'}, alice);
    const second = await client.post({env: 'shell', cmd: 'sleep 30'}, alice);
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    const third = await client.post({env: 'shell', cmd: 'sleep 30'}, alice);
    assert.equal(third.status, 429, 'maxSessionsPerUser = 2');
    assert.equal((third.body as {error: {code: string}}).error.code, 'too-many-sessions');
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    // Another user from the same address is counted apart.
    const bob = await client.post({env: 'shell', cmd: 'sleep 30'}, {authorization: `Bearer ${await operatorToken('bob', {sandbox: {maxSessions: 0}})}`});
    assert.equal(bob.status, 429, "bob's claim lowers his cap to 0");
    const carol = await client.post({env: 'shell', cmd: 'sleep 30'}, {authorization: `Bearer ${await operatorToken('carol', {sandbox: {maxSessions: 3}})}`});
    assert.equal(carol.status, 201);
    assert.equal(server.admission.snapshot().users, 2);
    for (const response of [first, second, carol]) {
      const session = response.body as CreateSessionResponse;
      const socket = await client.connect(session);
      socket.control({type: 'signal', signal: 'SIGKILL'});
      await socket.waitForExit();
    }
    await waitForCounters(server);
  });

  it('never writes a token to the logs (operator bearer, session token, ?token=)', async () => {
    const client = serverClient(url);
    const bearer = await operatorToken('dave');
    const response = await client.post({env: 'shell', cmd: 'echo logged'}, {authorization: `Bearer ${bearer}`});
    const session = response.body as CreateSessionResponse;
    await refusedUpgrade(`${url.replace(/^http/, 'ws')}${session.ws}?token=${session.token}x`, [SUBPROTOCOL], url).catch(() => undefined);
    const socket = await client.connect(session, {query: `?token=${encodeURIComponent(session.token)}`, protocols: [SUBPROTOCOL]});
    await socket.waitForExit();
    await waitForCounters(server);
    const log = lines.join('\n');
    assert.ok(lines.length > 0, 'the server logged something to check');
    assert.ok(!log.includes(bearer) && !log.includes(bearer.split('.')[2]!), 'operator token in the log');
    assert.ok(!log.includes(session.token) && !log.includes(session.token.split('.')[1]!), 'session token in the log');
  });
});
