/**
 * Share tokens against a real server: a share token cannot create or revoke
 * shares, cannot open the owner's socket (as a session token, a resume
 * credential or `?token=`), cannot be moved to another session or mode, and
 * opens nothing after revoke, after its expiry or after the session ended.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {
  clientSubprotocols,
  resumeSubprotocols,
  shareSubprotocols,
  type CreateSessionResponse,
  type CreateShareResponse,
  type ServerMessage,
} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {ShareTokens} from '../../server/sessions/share-tokens.js';
import {SessionTokens} from '../../server/sessions/tokens.js';
import {systemClock} from '../../server/clock.js';
import {needDocker} from '../helpers/requirements.js';
import {refusedUpgrade, startTestServer, TestClient, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';
import {sandboxEnvironments} from './runtime.js';

const TOKEN_SECRET = 'security-suite-share-token-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('share tokens (security)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-shares');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({instanceId, config: {environments: sandboxEnvironments(), server: {tokenSecret: TOKEN_SECRET}}});
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  const wsUrl = (session: CreateSessionResponse, query = '') => `${server.url.replace(/^http/, 'ws')}${session.ws}${query}`;
  const resumeTokenOf = (client: TestClient) =>
    client.messages.findLast((message): message is Extract<ServerMessage, {type: 'resume-token'}> => message.type === 'resume-token')!.token;

  const request = (method: 'POST' | 'DELETE', path: string, bearer: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {origin: server.origin, authorization: `Bearer ${bearer}`, 'content-type': 'application/json'},
      ...(body === undefined ? {} : {body: JSON.stringify(body)}),
    });

  async function ownedSession() {
    const session = await server.create({env: 'shell', cmd: 'cat', interactive: true});
    const owner = await server.connect(session);
    await owner.waitFor(() => owner.messages.some((message) => message.type === 'status' && message.state === 'running'), 20_000, 'running');
    return {session, owner};
  }

  async function share(session: CreateSessionResponse, owner: TestClient, mode: 'view' | 'control' = 'view', ttl = '30m'): Promise<CreateShareResponse> {
    const response = await request('POST', `/api/sessions/${session.id}/shares`, resumeTokenOf(owner), {mode, ttl});
    assert.equal(response.status, 201);
    return (await response.json()) as CreateShareResponse;
  }

  const assertRefused = async (url: string, protocols: string[], what: string) => {
    const refused = await refusedUpgrade(url, protocols, server.origin);
    assert.equal(refused.status, 401, `${what}: ${refused.body}`);
    assert.equal((JSON.parse(refused.body) as {error: {code: string}}).error.code, 'unauthorized', what);
  };

  it('a share token cannot create or revoke shares; neither can the session token', async () => {
    const {session, owner} = await ownedSession();
    const created = await share(session, owner, 'control');
    for (const [what, bearer] of [
      ['the share token', created.token],
      ['the session token', session.token],
      ['nothing', ''],
    ] as const) {
      const post = await request('POST', `/api/sessions/${session.id}/shares`, bearer, {mode: 'control'});
      assert.equal(post.status, 401, `POST with ${what}`);
      const remove = await request('DELETE', `/api/sessions/${session.id}/shares/${created.id}`, bearer);
      assert.equal(remove.status, 401, `DELETE with ${what}`);
    }
    // The share still works: the refusals changed nothing.
    const viewer = await TestClient.connect(wsUrl(session), {protocols: shareSubprotocols(created.token), origin: server.origin});
    viewer.close();
    owner.ws.close(1000);
  });

  it("a share token cannot open the owner's socket, another session's, or another mode", async () => {
    const {session, owner} = await ownedSession();
    const other = await ownedSession();
    const created = await share(session, owner, 'view');
    await assertRefused(wsUrl(session), clientSubprotocols(created.token), 'as a session token');
    await assertRefused(wsUrl(session), resumeSubprotocols(created.token, 0), 'as a resume credential');
    await assertRefused(wsUrl(session, `?token=${encodeURIComponent(created.token)}`), ['sandbox.v1'], 'as ?token=');
    await assertRefused(wsUrl(other.session), shareSubprotocols(created.token), "on another session's socket");
    await assertRefused(wsUrl(session), shareSubprotocols(created.token.replace('.v.', '.c.')), 'with its mode changed');
    // Neither does the owner's credential open a viewer's socket.
    await assertRefused(wsUrl(session), shareSubprotocols(resumeTokenOf(owner)), 'the resume credential as a share token');
    // The owner's socket was never replaced by any of it.
    assert.equal(owner.ws.readyState, owner.ws.OPEN);
    owner.ws.close(1000);
    other.owner.ws.close(1000);
  });

  it('a revoked share opens nothing', async () => {
    const {session, owner} = await ownedSession();
    const created = await share(session, owner);
    const revoked = await request('DELETE', `/api/sessions/${session.id}/shares/${created.id}`, resumeTokenOf(owner));
    assert.equal(revoked.status, 204);
    await assertRefused(wsUrl(session), shareSubprotocols(created.token), 'after revoke');
    const again = await request('DELETE', `/api/sessions/${session.id}/shares/${created.id}`, resumeTokenOf(owner));
    assert.equal(again.status, 404);
    owner.ws.close(1000);
  });

  it('an expired share opens nothing, whether it ran out or its expiry was forged', async () => {
    const {session, owner} = await ownedSession();
    const created = await share(session, owner, 'view', '10s');
    // With the server's own secret, the same share id signed as expired a minute ago: the expiry is checked, not only the MAC.
    const tokens = new ShareTokens(new SessionTokens({secret: TOKEN_SECRET, ttlMs: 60_000, clock: systemClock}).derivedKey('share'), systemClock);
    const forged = tokens.issue(session.id, 'view', Date.now() - 60_000).token;
    await assertRefused(wsUrl(session), shareSubprotocols(forged), 'a token signed expired');
    // And a token from another secret with a far expiry.
    const foreign = new ShareTokens(Buffer.alloc(32, 1), systemClock).issue(session.id, 'view', Date.now() + 3_600_000).token;
    await assertRefused(wsUrl(session), shareSubprotocols(foreign), "another server's token");
    const viewer = await TestClient.connect(wsUrl(session), {protocols: shareSubprotocols(created.token), origin: server.origin});
    const closed = await viewer.closed;
    assert.equal(closed.code, 4003, 'the viewer is closed when its share expires');
    await assertRefused(wsUrl(session), shareSubprotocols(created.token), 'after its ttl');
    owner.ws.close(1000);
  });

  it('a share of an ended session opens nothing, and no share can be made of it', async () => {
    const {session, owner} = await ownedSession();
    const created = await share(session, owner, 'control');
    const resumeToken = resumeTokenOf(owner);
    owner.ws.close(1000);
    await owner.closed;
    await sleep(300);
    await assertRefused(wsUrl(session), shareSubprotocols(created.token), 'after the session ended');
    const post = await request('POST', `/api/sessions/${session.id}/shares`, resumeToken, {mode: 'view'});
    assert.ok(post.status === 401 || post.status === 410, `POST after the end: ${post.status}`);
  });
});
