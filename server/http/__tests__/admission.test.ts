/**
 * The HTTP API over the session manager's one limiter (no Docker): a created
 * session is counted once, refusals carry the limit's code and Retry-After,
 * a request the engine check refuses frees its slot, and close frees the rest.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import type {ErrorBody} from '../../../protocol/index.js';
import {createSandboxServer} from '../../index.js';
import {FakeRuntime} from '../../sessions/__tests__/fake-runtime.js';

async function start(server: Record<string, unknown>) {
  const runtime = new FakeRuntime();
  const config = normalizeConfig({server: {port: 0, instanceId: 'unit-admission', allowInline: true, ...server}});
  const sandbox = createSandboxServer({config, runtime});
  const {url} = await sandbox.listen();
  const post = () =>
    fetch(`${url}/api/sessions`, {method: 'POST', headers: {origin: url, 'content-type': 'application/json'}, body: JSON.stringify({cmd: 'sleep 9'})});
  return {runtime, sandbox, post};
}

describe('admission through the HTTP API (one limiter)', () => {
  it('counts a created session once and refuses the next one over the per-client cap', async () => {
    const {sandbox, post} = await start({maxSessionsPerClient: 1});
    assert.equal((await post()).status, 201);
    assert.deepEqual(
      {...sandbox.admission.snapshot(), windowEntries: undefined},
      {active: 1, clients: 1, clientSessions: 1, users: 0, userSessions: 0, windowEntries: undefined, held: 1},
    );
    assert.equal(sandbox.activeSessions, 1);
    const refused = await post();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.equal(((await refused.json()) as ErrorBody).error.code, 'too-many-sessions');
    assert.equal(sandbox.admission.snapshot().active, 1, 'a refusal holds nothing');
    await sandbox.close();
    const idle = sandbox.admission.snapshot();
    assert.deepEqual([idle.active, idle.clients, idle.held, sandbox.activeSessions], [0, 0, 0, 0]);
  });

  it('frees the slot of a request the engine check refuses', async () => {
    const {runtime, sandbox, post} = await start({});
    await using _ = sandbox;
    runtime.engineInfo = {reachable: false, runtimes: [], error: 'down'};
    const refused = await post();
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as ErrorBody).error.code, 'docker-unavailable');
    const snapshot = sandbox.admission.snapshot();
    assert.deepEqual([snapshot.active, snapshot.clients, snapshot.held, sandbox.activeSessions], [0, 0, 0, 0]);
    assert.equal(snapshot.windowEntries, 1, 'the attempt still counts against the creation rate');
  });
});
