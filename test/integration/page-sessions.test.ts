/**
 * Page sessions on a real engine, through the HTTP API and the WebSocket as a
 * page speaks them: the steps of one page session run one after another in
 * ONE container (files, a background process, an exported variable and the
 * working folder carry over); a step alone in a fresh environment sees none
 * of it, and with `catchUp` the earlier steps ran first. Each refusal gets its
 * documented status and code, and no container outlives its environment.
 */
import {stepBlock} from '../helpers/blocks.js';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import type {SandboxBlock, SandboxManifest} from '../../config/index.js';
import {ENVIRONMENT_TOKEN_HEADER, environmentPath, type CreateSessionRequest, type CreateSessionResponse, type ErrorBody} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, startTestServer, testInstanceId, waitForNoContainers, type TestClient, type TestServer} from '../helpers/server.js';

const SESSION = 'ps-integration-three';
const OTHER = 'ps-integration-other';

const step = (id: string, session: string, index: number, cmd: string): SandboxBlock => stepBlock(id, session, index, {cmd, source: 'docs/steps.md'});

const blocks: SandboxBlock[] = [
  step('write-state', SESSION, 1, "echo 'state from step 1' > state.txt && cat state.txt"),
  step('background', SESSION, 2, "sleep 300 & echo $! > sleep.pid; export STEP_TWO_VAR=carried; mkdir -p deeper && cd deeper && echo 'step 2 done'"),
  step(
    'read-back',
    SESSION,
    3,
    'echo "cwd=$(pwd)"; cat /workspace/state.txt; kill -0 "$(cat /workspace/sleep.pid)" && echo "sleep is alive"; echo "var=$STEP_TWO_VAR"; echo "user=$(id -u) caps=$(grep CapEff /proc/self/status | tr -d "[:space:]")"',
  ),
  step('other-session', OTHER, 1, 'echo other'),
];

const manifest: SandboxManifest = {
  version: 1,
  blocks,
  sessions: [
    {id: SESSION, name: 'three', source: 'docs/steps.md', env: 'shell', blocks: ['write-state', 'background', 'read-back']},
    {id: OTHER, name: 'other', source: 'docs/steps.md', env: 'shell', blocks: ['other-session']},
  ],
};

async function runStep(server: TestServer, body: CreateSessionRequest): Promise<{created: CreateSessionResponse; client: TestClient; output: string; code: number}> {
  const created = await server.create(body);
  const client = await server.connect(created);
  const exit = await client.waitForExit(30_000);
  return {created, client, output: client.output, code: exit.code};
}

async function environmentRequest(server: TestServer, method: string, id: string, token: string | undefined, suffix = ''): Promise<{status: number; body: unknown}> {
  const response = await fetch(`${server.url}${environmentPath(id)}${suffix}`, {
    method,
    headers: {origin: server.origin, ...(token === undefined ? {} : {[ENVIRONMENT_TOKEN_HEADER]: token})},
  });
  const text = await response.text();
  return {status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown)};
}

async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Inspected {
  State: {Running: boolean; StartedAt: string};
  ExecIDs: string[] | null;
  Config: {User: string};
  HostConfig: {CapAdd: string[] | null; Privileged: boolean};
}

function inspect(id: string): Inspected {
  const [container] = JSON.parse(execFileSync('docker', ['inspect', id], {encoding: 'utf8'})) as Inspected[];
  assert.ok(container, `docker inspect ${id}`);
  return container;
}

const errorCode = (body: unknown) => (body as ErrorBody).error.code;

describe('page sessions (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('page-sessions');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      manifest,
      config: {server: {maxSessionsPerClient: 8, sessionsPerMinute: 120, reconnectGrace: '2s'}, limits: {idleTimeout: '3s'}},
    });
  });
  after(async () => {
    await server.close();
    assert.equal(await waitForNoContainers(instanceId), 0, 'no container outlives the server');
  });

  it('steps 1–3 in one environment: one container serves all three; files, a background process, a variable and the folder carry over', async () => {
    const first = await runStep(server, {block: 'write-state'});
    assert.match(first.output, /state from step 1/);
    const environment = first.created.environment;
    assert.ok(environment, 'a step answers with its environment');
    assert.equal(environment.session, SESSION);
    assert.deepEqual(environment.ran, [1]);
    const containers = labelledContainers(instanceId);
    assert.equal(containers.length, 1, 'one container: the environment');
    const startedAt = inspect(containers[0]!).State.StartedAt;
    const ref = {id: environment.id, token: environment.token};

    const second = await runStep(server, {block: 'background', environment: ref});
    assert.match(second.output, /step 2 done/);
    assert.deepEqual(second.created.environment?.ran, [1, 2]);
    const third = await runStep(server, {block: 'read-back', environment: ref});
    assert.equal(third.code, 0, third.output);
    assert.match(third.output, /cwd=\/workspace\/deeper/);
    assert.match(third.output, /state from step 1/);
    assert.match(third.output, /sleep is alive/);
    assert.match(third.output, /var=carried/);
    // The step is the sandbox user with no capability, as the container's own command is.
    assert.match(third.output, /user=1000 caps=CapEff:0000000000000000/);

    assert.deepEqual(labelledContainers(instanceId), containers, 'still the one container');
    const container = inspect(containers[0]!);
    assert.equal(container.State.Running, true);
    assert.equal(container.State.StartedAt, startedAt, 'the same container, never restarted, ran steps 1 to 3');
    // The next step already waits in it: an exec, not a container.
    assert.equal((container.ExecIDs ?? []).length, 1, `one standby step: ${JSON.stringify(container.ExecIDs)}`);
    assert.equal(container.Config.User, '1000:1000');
    assert.equal(container.HostConfig.Privileged, false);

    const described = await environmentRequest(server, 'GET', ref.id, ref.token);
    assert.equal(described.status, 200);
    assert.deepEqual((described.body as {ran: number[]}).ran, [1, 2, 3]);

    const removed = await environmentRequest(server, 'DELETE', ref.id, ref.token);
    assert.equal(removed.status, 204);
    await waitUntil(() => labelledContainers(instanceId).length === 0, 'the environment\'s container to go after Reset');
    assert.equal(errorCode((await environmentRequest(server, 'GET', ref.id, ref.token)).body), 'environment-not-found');
  });

  it('step 3 alone in a fresh environment sees nothing of steps 1 and 2; with catchUp it does, and the catch-up message names them first', async () => {
    const alone = await runStep(server, {block: 'read-back'});
    assert.doesNotMatch(alone.output, /state from step 1/);
    assert.doesNotMatch(alone.output, /sleep is alive/);
    assert.match(alone.output, /var=\r?\n/);
    assert.deepEqual(alone.created.environment?.ran, [3]);
    await environmentRequest(server, 'DELETE', alone.created.environment!.id, alone.created.environment!.token);

    const caughtUp = await runStep(server, {block: 'read-back', catchUp: true});
    assert.equal(caughtUp.code, 0, caughtUp.output);
    assert.match(caughtUp.output, /state from step 1/);
    assert.match(caughtUp.output, /sleep is alive/);
    assert.match(caughtUp.output, /var=carried/);
    assert.deepEqual(caughtUp.created.environment?.ran, [1, 2, 3]);
    const catchUp = caughtUp.client.messages.find((message) => message.type === 'catch-up');
    assert.deepEqual(catchUp, {type: 'catch-up', steps: [{step: 1, block: 'write-state', code: 0}, {step: 2, block: 'background', code: 0}]});
    await environmentRequest(server, 'DELETE', caughtUp.created.environment!.id, caughtUp.created.environment!.token);
  });

  it('refusals: a wrong token (401), an unknown environment (404), another page session\'s block (409), a second concurrent step (409 busy)', async () => {
    const first = await runStep(server, {block: 'write-state'});
    const environment = first.created.environment!;
    const wrong = await server.post({block: 'background', environment: {id: environment.id, token: `${environment.token.slice(0, -2)}xx`}});
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong.body), 'environment-unauthorized');
    const unknown = await server.post({block: 'background', environment: {id: 'env-nobody', token: environment.token}});
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown.body), 'environment-not-found');
    const mismatch = await server.post({block: 'other-session', environment: {id: environment.id, token: environment.token}});
    assert.equal(mismatch.status, 409);
    assert.equal(errorCode(mismatch.body), 'environment-mismatch');
    const missingToken = await environmentRequest(server, 'GET', environment.id, undefined);
    assert.equal(missingToken.status, 401);

    const ref = {id: environment.id, token: environment.token};
    const long = await server.create({block: 'background', environment: ref});
    const busy = await server.post({block: 'read-back', environment: ref});
    assert.equal(busy.status, 409);
    assert.equal(errorCode(busy.body), 'busy');
    const client = await server.connect(long);
    await client.waitForExit(30_000);
    await environmentRequest(server, 'DELETE', ref.id, ref.token);
    await waitUntil(() => labelledContainers(instanceId).length === 0, 'no container left after Reset');
  });

  it('an environment with no step running ends after idleTimeout, and one whose page left ends after the reconnect grace: then 404, and its container is gone within 10 s', async () => {
    const idle = await runStep(server, {block: 'write-state'});
    const idleRef = idle.created.environment!;
    assert.equal(labelledContainers(instanceId).length, 1);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const expired = await server.post({block: 'background', environment: {id: idleRef.id, token: idleRef.token}});
    assert.equal(expired.status, 404);
    assert.equal(errorCode(expired.body), 'environment-not-found');
    assert.equal(await waitForNoContainers(instanceId, 10_000), 0);

    const left = await runStep(server, {block: 'write-state'});
    const leftRef = left.created.environment!;
    assert.equal((await environmentRequest(server, 'POST', leftRef.id, leftRef.token, '/leave')).status, 204);
    // Back within the grace (a reload): the environment is still there.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const back = await runStep(server, {block: 'background', environment: {id: leftRef.id, token: leftRef.token}});
    assert.match(back.output, /step 2 done/);
    const leftAt = Date.now();
    assert.equal((await environmentRequest(server, 'POST', leftRef.id, leftRef.token, '/leave')).status, 204);
    // A reload's page asks first (a same-origin GET: a browser sends no Origin): that is the page back. Past the 2 s
    // grace, before the 3 s idleTimeout that began as the step ended, it is still there.
    const asked = await fetch(`${server.url}${environmentPath(leftRef.id)}`, {headers: {[ENVIRONMENT_TOKEN_HEADER]: leftRef.token}});
    assert.equal(asked.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2_400 - (Date.now() - leftAt)));
    assert.equal((await environmentRequest(server, 'GET', leftRef.id, leftRef.token)).status, 200);
    assert.equal((await environmentRequest(server, 'POST', leftRef.id, leftRef.token, '/leave')).status, 204);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal((await environmentRequest(server, 'GET', leftRef.id, leftRef.token)).status, 404);
    assert.equal(await waitForNoContainers(instanceId, 10_000), 0);
  });

  it('an environment counts once against the per-client limit however many steps run in it', async () => {
    const first = await runStep(server, {block: 'write-state'});
    const ref = first.created.environment!;
    const before = server.server.admission.snapshot().clientSessions;
    for (const block of ['background', 'read-back', 'write-state']) await runStep(server, {block, environment: {id: ref.id, token: ref.token}});
    assert.equal(server.server.admission.snapshot().clientSessions, before);
    assert.equal(before, 1);
    await environmentRequest(server, 'DELETE', ref.id, ref.token);
  });
});
