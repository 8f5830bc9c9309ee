/**
 * Operations on the real engine: the Prometheus series move
 * as sessions run; /metrics and the admin API live on the admin listener only,
 * behind a token when one is set; `sessions list|kill` use it; the JSON logs
 * of a session opened with `?token=` never contain the token.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import {normalizeConfig} from '../../config/index.js';
import {SUBPROTOCOL} from '../../protocol/index.js';
import {AdminConfigError} from '../../server/admin/server.js';
import {createSandboxServer, type SandboxServer} from '../../server/index.js';
import {createLogger} from '../../server/log.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {refusedUpgrade, serverClient, testInstanceId, waitForNoContainers, type ServerClient} from '../helpers/server.js';

const MAIN = new URL('../../server/cli/main.ts', import.meta.url).pathname;

/** Runs the CLI without blocking this process (its in-process server must keep answering). */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], {encoding: 'utf8', env}, (error, stdout, stderr) => {
      resolve({status: error ? Number((error as {code?: unknown}).code ?? 1) : 0, stdout, stderr});
    });
  });
}

/** One sample value of a series from Prometheus text, or 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics, admin API and logs (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('ops');
  const lines: string[] = [];
  let server: SandboxServer;
  let api: ServerClient;
  let adminUrl = '';
  const metrics = async () => (await fetch(`${adminUrl}/metrics`)).text();

  before(async () => {
    await buildImages({envs: ['shell']});
    const config = normalizeConfig({
      server: {host: '127.0.0.1', port: 0, instanceId, allowInline: true, maxSessionsPerClient: 10, highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024},
    });
    server = createSandboxServer({
      config,
      logger: createLogger({level: 'trace', destination: {write: (line: string) => lines.push(line)}}),
      admin: {port: 0},
    });
    const listening = await server.listen();
    assert.ok(listening.adminUrl);
    adminUrl = listening.adminUrl;
    api = serverClient(listening.url);
  });
  after(async () => {
    await server.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('series move as sessions run: active, outcome, first byte, container start, bytes in and out', async () => {
    const before = await metrics();
    const client = await api.open({env: 'shell', cmd: 'head -c 5; echo; echo metered-run-ok'});
    await client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'));
    const during = await metrics();
    assert.equal(sample(during, 'sandbox_active_sessions{env="shell"}'), 1);
    // A TTY in canonical mode hands `head` the line on Enter (CR becomes NL): 5 bytes.
    client.send(Buffer.from('abcd\r'));
    const exit = await client.waitForExit();
    assert.deepEqual(exit, {type: 'exit', code: 0, reason: 'exit'});
    await client.closed;
    const afterRun = await metrics();
    assert.equal(sample(afterRun, 'sandbox_active_sessions{env="shell"}'), 0);
    assert.equal(sample(afterRun, 'sandbox_sessions_total{env="shell",outcome="exit"}') - sample(before, 'sandbox_sessions_total{env="shell",outcome="exit"}'), 1);
    assert.equal(sample(afterRun, 'sandbox_time_to_first_byte_seconds_count{env="shell",pool="cold"}'), 1);
    assert.equal(sample(afterRun, 'sandbox_container_start_seconds_count{env="shell"}'), 1);
    assert.equal(sample(afterRun, 'sandbox_bytes_total{direction="in"}'), 5);
    assert.ok(sample(afterRun, 'sandbox_bytes_total{direction="out"}') >= client.receivedBytes - 1, 'bytes out counts what the client got');
    assert.ok(client.receivedBytes > 0);
    assert.match(afterRun, /sandbox_process_heap_bytes|sandbox_process_process_resident_memory_bytes/);
  });

  it('rejections are counted by code, for requests and upgrades', async () => {
    const refused = await api.post({env: 'shell', cmd: 'true'}, {origin: 'https://evil.example'});
    assert.equal(refused.status, 403);
    const session = await api.create({env: 'shell', cmd: 'true'});
    const upgrade = await refusedUpgrade(`${api.url.replace(/^http/, 'ws')}${session.ws}`, [SUBPROTOCOL, 'sandbox.token.forged'], api.origin);
    assert.equal(upgrade.status, 401);
    const text = await metrics();
    assert.equal(sample(text, 'sandbox_rejections_total{reason="origin-not-allowed"}'), 1);
    assert.equal(sample(text, 'sandbox_rejections_total{reason="unauthorized"}'), 1);
  });

  it('a client that stops reading counts a backpressure pause', async () => {
    const client = await api.open({env: 'shell', cmd: "head -c 8000000 /dev/zero | tr '\\0' x"});
    client.keepBytes = 64 * 1024;
    client.ws.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(sample(await metrics(), 'sandbox_backpressure_pauses_total') >= 1);
    client.ws.resume();
    assert.equal((await client.waitForExit(30_000)).reason, 'exit');
  });

  it('the admin API lists sessions and ends one; the CLI speaks to it; the public port has neither', async () => {
    const client = await api.open({env: 'shell', cmd: 'sleep 300'});
    await client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'));
    const {sessions} = (await (await fetch(`${adminUrl}/admin/sessions`)).json()) as {sessions: Array<{id: string; env: string; state: string; connected: boolean}>};
    const listed = sessions.find((session) => session.state === 'running');
    assert.ok(listed);
    assert.equal(listed.env, 'shell');
    assert.equal(listed.connected, true);

    const list = await cli(['sessions', 'list', '--admin', adminUrl]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${listed.id}\\s+shell\\s+running`, 'm'));
    const kill = await cli(['sessions', 'kill', listed.id, '--admin', adminUrl]);
    assert.equal(kill.status, 0, kill.stderr);
    assert.equal((await client.waitForExit()).reason, 'killed');
    const again = await cli(['sessions', 'kill', listed.id, '--admin', adminUrl]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /404: no running session/);
    assert.match(await metrics(), /sandbox_sessions_total\{env="shell",outcome="killed"\} 1/);

    for (const path of ['/metrics', '/admin/sessions']) assert.equal((await fetch(`${api.url}${path}`)).status, 404, path);
  });

  it('logs are JSON with session ids and never contain a token, also one sent as ?token=', async () => {
    const session = await api.create({env: 'shell', cmd: 'echo query-token-run'});
    const client = await api.connect(session, {protocols: [SUBPROTOCOL], query: `?token=${encodeURIComponent(session.token)}`});
    await client.waitForExit();
    await client.closed;
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(entries.some((entry) => entry.msg === 'socket connected' && entry.session === session.id));
    assert.ok(entries.some((entry) => entry.msg === 'session ended' && entry.session === session.id));
    const all = lines.join('');
    assert.equal(all.includes(session.token), false, 'the token appears in the log');
    // Each part of the token (it is dotted) is absent too.
    for (const part of session.token.split('.').filter((piece) => piece.length >= 8)) assert.equal(all.includes(part), false);
  });
});

describe('admin listener protection', () => {
  it('requires its bearer token when set, and refuses a non-loopback address without one', async () => {
    const config = normalizeConfig({server: {host: '127.0.0.1', port: 0, instanceId: testInstanceId('ops-admin')}});
    assert.throws(() => createSandboxServer({config, admin: {port: 0, host: '0.0.0.0'}}), AdminConfigError);
    const server = createSandboxServer({config, admin: {port: 0, token: 'admin-secret-token'}});
    try {
      const {adminUrl} = await server.listen();
      assert.equal((await fetch(`${adminUrl}/metrics`)).status, 401);
      assert.equal((await fetch(`${adminUrl}/admin/sessions`, {headers: {authorization: 'Bearer wrong-token-value'}})).status, 401);
      const ok = await fetch(`${adminUrl}/admin/sessions`, {headers: {authorization: 'Bearer admin-secret-token'}});
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), {sessions: []});
      const listed = await cli(['sessions', 'list', '--admin', adminUrl!], {...process.env, SANDBOX_ADMIN_TOKEN: 'admin-secret-token'});
      assert.equal(listed.status, 0, listed.stderr);
      assert.match(listed.stdout, /no running sessions/);
    } finally {
      await server.close();
    }
  });
});
