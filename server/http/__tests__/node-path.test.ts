/**
 * A gateway of a cluster (`server.node`): its answers name it, the session's
 * socket lives under `/api/nodes/<node>/`, and a path naming another node is
 * refused. Over a scripted runtime (no Docker).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import WebSocket from 'ws';
import {normalizeConfig} from '../../../config/index.js';
import {clientSubprotocols, sessionSocketPath, type CreateSessionResponse} from '../../../protocol/index.js';
import {createSandboxServer} from '../../index.js';
import {FakeRuntime} from '../../sessions/__tests__/fake-runtime.js';
import {environmentNode, underNode} from '../base-path.js';
import {ownerElsewhere} from '../routes/sessions.js';

async function start(server: Record<string, unknown>) {
  const runtime = new FakeRuntime();
  const sandbox = createSandboxServer({config: normalizeConfig({server: {port: 0, instanceId: 'unit', allowInline: true, ...server}}), runtime});
  const {url} = await sandbox.listen();
  return {sandbox, url};
}

const post = (url: string, path = '/api/sessions') =>
  fetch(`${url}${path}`, {method: 'POST', headers: {origin: url, 'content-type': 'application/json'}, body: JSON.stringify({cmd: 'sleep 5'})});

const opens = (url: string, path: string, token: string) =>
  new Promise<number | 'open'>((resolve) => {
    const ws = new WebSocket(url.replace('http', 'ws') + path, clientSubprotocols(token), {origin: url});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => {});
  });

describe('node paths', () => {
  it('serves the node-prefixed API path of its own node only', () => {
    assert.deepEqual(underNode('/api/sessions', 'n1'), {path: '/api/sessions'});
    assert.deepEqual(underNode('/api/nodes/n1/sessions/x/ws', 'n1'), {path: '/api/sessions/x/ws'});
    assert.deepEqual(underNode('/api/nodes/n1', 'n1'), {path: '/api'});
    assert.deepEqual(underNode('/api/nodes/n2/sessions', 'n1'), {foreign: 'n2'});
    assert.deepEqual(underNode('/api/nodes/n1/sessions', undefined), {foreign: 'n1'});
    assert.equal(sessionSocketPath('a', '/base/', 'n3'), '/base/api/nodes/n3/sessions/a/ws');
    assert.equal(sessionSocketPath('a', '/'), '/api/sessions/a/ws');
  });

  it('answers with its node and a socket path under it; the plain path still works', async () => {
    const {sandbox, url} = await start({node: 'n7'});
    await using _ = sandbox;
    const response = await post(url);
    assert.equal(response.status, 201);
    const body = (await response.json()) as CreateSessionResponse;
    assert.equal(body.node, 'n7');
    assert.equal(body.ws, `/api/nodes/n7/sessions/${body.id}/ws`);
    assert.equal(await opens(url, body.ws, body.token), 'open');
    // Created through the node's own path too (the path a redirect or a node-aware client uses).
    assert.equal((await post(url, '/api/nodes/n7/sessions')).status, 201);
  });

  it("refuses another node's paths with 404", async () => {
    const {sandbox, url} = await start({node: 'n7'});
    await using _ = sandbox;
    const body = (await (await post(url)).json()) as CreateSessionResponse;
    const wrong = await post(url, '/api/nodes/n8/sessions');
    assert.equal(wrong.status, 404);
    assert.deepEqual(await wrong.json(), {error: {code: 'not-found', message: 'this gateway is node n7, not n8'}});
    assert.equal(await opens(url, `/api/nodes/n8/sessions/${body.id}/ws`, body.token), 404);
  });

  it('sends a request for another node\'s environment to that node (307), never a request that named this node', async () => {
    assert.equal(environmentNode('env-n8.AbC_-x'), 'n8');
    assert.equal(environmentNode('env-AbC_-x'), undefined);
    assert.equal(ownerElsewhere({environment: {id: 'env-n8.x', token: 't'}}, 'n7', false), 'n8');
    assert.equal(ownerElsewhere({environment: {id: 'env-n7.x', token: 't'}}, 'n7', false), undefined);
    assert.equal(ownerElsewhere({environment: {id: 'env-n8.x', token: 't'}}, 'n7', true), undefined);
    assert.equal(ownerElsewhere({environment: {id: 'env-n8.x'}}, undefined, false), undefined);
    const {sandbox, url} = await start({node: 'n7'});
    await using _ = sandbox;
    const step = await fetch(`${url}/api/sessions`, {
      method: 'POST',
      redirect: 'manual',
      headers: {origin: url, 'content-type': 'application/json'},
      body: JSON.stringify({block: 'b', environment: {id: 'env-n8.abc', token: 't'}}),
    });
    assert.equal(step.status, 307);
    assert.equal(step.headers.get('location'), '/api/nodes/n8/sessions');
    const leave = await fetch(`${url}/api/environments/env-n8.abc/leave`, {method: 'POST', redirect: 'manual', headers: {origin: url}});
    assert.equal(leave.status, 307);
    assert.equal(leave.headers.get('location'), '/api/nodes/n8/environments/env-n8.abc/leave');
    const pinned = await fetch(`${url}/api/nodes/n7/environments/env-n8.abc`, {redirect: 'manual', headers: {origin: url, 'x-sandbox-environment': 't'}});
    assert.equal(pinned.status, 404);
  });

  it('without server.node answers as before: no node, no node paths', async () => {
    const {sandbox, url} = await start({});
    await using _ = sandbox;
    const body = (await (await post(url)).json()) as CreateSessionResponse;
    assert.equal('node' in body, false);
    assert.equal(body.ws, `/api/sessions/${body.id}/ws`);
    assert.equal((await post(url, '/api/nodes/n1/sessions')).status, 404);
  });
});
