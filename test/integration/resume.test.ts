/**
 * Resume after a dropped connection (real engine): the
 * client's TCP connection is destroyed mid-output, it reconnects with the
 * in-band resume credential and the offset it received, and the bytes it ends
 * up with are exactly the program's output, each once, in order.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import type {Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {resumeSubprotocols, type ServerMessage} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {LABELS} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, TestClient, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GRACE_MS = 4_000;

/** 20,000 numbered lines in batches with pauses, so the drop lands mid-output; then a marker and a pause. */
const PROGRAM = 'i=0; while [ $i -lt 40 ]; do seq $((i*500+1)) $((i*500+500)); i=$((i+1)); sleep 0.1; done; echo DONE; sleep 1';
/** What the TTY delivers for it (onlcr turns \n into \r\n). */
const EXPECTED = Array.from({length: 20_000}, (_, index) => `${index + 1}\r\n`).join('') + 'DONE\r\n';

const tokenOf = (client: TestClient): string => {
  const message = client.messages.findLast((item): item is Extract<ServerMessage, {type: 'resume-token'}> => item.type === 'resume-token');
  assert.ok(message, 'the server sent a resume token');
  return message.token;
};

/** Kills the TCP connection under the client without a close frame (a network drop). */
function dropConnection(client: TestClient): void {
  (client.ws as unknown as {_socket: Socket})._socket.destroy();
}

describe('session resume (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('resume');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({
      instanceId,
      config: {server: {reconnectGrace: `${GRACE_MS / 1000}s`}, limits: {timeout: '2m', maxTimeout: '5m', idleTimeout: '2m'}},
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  const wsUrl = (session: {ws: string}) => `${server.url.replace(/^http/, 'ws')}${session.ws}`;

  it('a dropped connection resumes from its offset: every byte once, in order, and the program keeps running', async () => {
    const session = await server.create({env: 'shell', cmd: PROGRAM});
    const first = await server.connect(session);
    await first.waitForOutput('\r\n3000\r\n', 20_000);
    const token = tokenOf(first);
    dropConnection(first);
    await first.closed;
    const have = Buffer.concat(first.received);
    assert.ok(have.length > 0 && have.length < EXPECTED.length, 'dropped mid-output');
    // Stay away a moment so output piles up on the server side.
    await sleep(700);

    const second = await TestClient.connect(wsUrl(session), {protocols: resumeSubprotocols(token, have.length), origin: server.origin});
    const exit = await second.waitForExit(60_000);
    assert.deepEqual(exit, {type: 'exit', code: 0, reason: 'exit'});
    const replay = second.messages.find((message) => message.type === 'replay');
    assert.deepEqual(replay, {type: 'replay', from: have.length, truncated: false});
    const all = Buffer.concat([have, ...second.received]).toString('utf8');
    assert.equal(all.length, EXPECTED.length, 'no gap and no duplicate');
    assert.equal(all, EXPECTED);
    // It kept running while we were away and after: output after the resume came live.
    assert.ok(second.receivedBytes > 0);
    assert.notEqual(tokenOf(second), token, 'the credential was rotated');
  });

  it('the old credential stops working once a resume used it', async () => {
    const session = await server.create({env: 'shell', cmd: 'sleep 20', interactive: true});
    const first = await server.connect(session);
    await first.waitFor(() => first.messages.some((message) => message.type === 'resume-token'), 10_000, 'a resume token');
    const token = tokenOf(first);
    dropConnection(first);
    const second = await TestClient.connect(wsUrl(session), {protocols: resumeSubprotocols(token, 0), origin: server.origin});
    await second.waitFor(() => second.messages.some((message) => message.type === 'resume-token'), 10_000, 'a new token');
    await assert.rejects(
      TestClient.connect(wsUrl(session), {protocols: resumeSubprotocols(token, 0), origin: server.origin}),
      /401/,
    );
    second.ws.close(1000);
  });

  it('a second socket takes the session over: the first is closed with 4001 and a reason', async () => {
    const session = await server.create({env: 'shell', cmd: 'sleep 20', interactive: true});
    const first = await server.connect(session);
    await first.waitFor(() => first.messages.some((message) => message.type === 'resume-token'), 10_000, 'a resume token');
    const second = await TestClient.connect(wsUrl(session), {protocols: resumeSubprotocols(tokenOf(first), 0), origin: server.origin});
    const closed = await first.closed;
    assert.equal(closed.code, 4001);
    assert.match(closed.reason, /replaced/);
    second.send('x');
    assert.equal(second.ws.readyState, second.ws.OPEN);
    second.ws.close(1000);
  });

  it('after the grace a resume is told the session expired, and its container is gone', async () => {
    const session = await server.create({env: 'shell', cmd: 'sleep 60', interactive: true});
    const first = await server.connect(session);
    await first.waitFor(() => first.messages.some((message) => message.type === 'resume-token'), 10_000, 'a resume token');
    const token = tokenOf(first);
    dropConnection(first);
    await sleep(GRACE_MS + 1_500);
    const late = await TestClient.connect(wsUrl(session), {protocols: resumeSubprotocols(token, 0), origin: server.origin});
    const closed = await late.closed;
    assert.equal(closed.code, 4004, JSON.stringify({closed, messages: late.messages}));
    const error = late.messages.find((message) => message.type === 'error');
    assert.equal(error?.type === 'error' && error.code, 'session-ended');
    assert.match(error?.type === 'error' ? error.message : '', /expired/);
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.session}=${session.id}`], {encoding: 'utf8'}).trim();
    assert.equal(left, '', 'the container was removed when the grace ran out');
  });

  it('a deliberate close (1000) ends the session at once', async () => {
    const session = await server.create({env: 'shell', cmd: 'sleep 60', interactive: true});
    const client = await server.connect(session);
    await client.waitFor(() => client.messages.some((message) => message.type === 'status' && message.state === 'running'), 15_000, 'running');
    const before = server.server.activeSessions;
    client.ws.close(1000);
    await client.closed;
    const deadline = Date.now() + 5_000;
    while (server.server.activeSessions >= before && Date.now() < deadline) await sleep(50);
    assert.equal(server.server.activeSessions, before - 1, 'the slot was freed without waiting for the grace');
  });
});
