/**
 * The `docusaurus-sandbox serve` process: `kill -9` with live sessions, then a
 * restart with the same instance id reaps the orphans; SIGTERM tells clients
 * (1001), removes every container and exits 0 within 10 s. Also bad usage → 2.
 */
import assert from 'node:assert/strict';
import {spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, serverClient, spawnServe, testInstanceId, waitForNoContainers, type TestClient} from '../helpers/server.js';

const MAIN = new URL('../../server/cli/main.ts', import.meta.url).pathname;

let configFile = '';

const serve = (instanceId: string, port = 0) => spawnServe({instanceId, configFile, port});

async function openSleepers(url: string, count: number): Promise<TestClient[]> {
  const api = serverClient(url);
  const clients = await Promise.all(Array.from({length: count}, () => api.open({env: 'shell', cmd: 'sleep 300'})));
  await Promise.all(clients.map((client) => client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'))));
  return clients;
}

describe('serve process lifecycle (Docker)', {skip: needDocker()}, () => {
  const children: ChildProcess[] = [];
  before(async () => {
    await buildImages({envs: ['shell']});
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
    configFile = join(dir, 'sandbox.config.json');
    writeFileSync(configFile, JSON.stringify({server: {maxSessionsPerClient: 10}}));
  });
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('kill -9 with 5 live sessions, then a restart with the same instance id: no labelled container after 10 s', {timeout: 90_000}, async () => {
    const instanceId = testInstanceId('cli-kill');
    const first = await serve(instanceId);
    children.push(first.child);
    await openSleepers(first.url, 5);
    assert.equal(labelledContainers(instanceId).length, 5);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(labelledContainers(instanceId).length, 5, 'a killed server leaves its containers behind');

    const restarted = Date.now();
    const second = await serve(instanceId);
    children.push(second.child);
    const left = await waitForNoContainers(instanceId, 10_000 - (Date.now() - restarted));
    assert.equal(left, 0, 'the restarted server reaped its predecessor');

    // A second server on the same engine never touches the first one's live sessions.
    const otherId = testInstanceId('cli-other');
    const live = await openSleepers(second.url, 1);
    const other = await serve(otherId);
    children.push(other.child);
    assert.equal(labelledContainers(instanceId).length, 1);
    assert.equal(live[0]!.messages.some((m) => m.type === 'exit'), false);
    other.child.kill('SIGTERM');
    await other.exited;
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('SIGTERM: clients get 1001, every container is removed, exit 0 within 10 s', {timeout: 60_000}, async () => {
    const instanceId = testInstanceId('cli-term');
    const served = await serve(instanceId);
    children.push(served.child);
    const clients = await openSleepers(served.url, 5);
    const started = Date.now();
    served.child.kill('SIGTERM');
    const {code} = await served.exited;
    const took = Date.now() - started;
    assert.equal(code, 0);
    assert.ok(took < 10_000, `exit took ${took} ms`);
    for (const client of clients) assert.equal((await client.closed).code, 1001);
    assert.equal(labelledContainers(instanceId).length, 0);
  });
});

describe('command line usage', () => {
  it('exits 2 with a clear message for bad usage and invalid config', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', 'eighty'], {encoding: 'utf8'});
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--port must be a number/);
    const unknown = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'launch'], {encoding: 'utf8'});
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "launch"/);
    const config = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', MAIN.replace(/main\.ts$/, 'nope.json')], {encoding: 'utf8'});
    assert.equal(config.status, 2);
    assert.match(config.stderr, /cannot read sandbox config file/);
    const env = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {encoding: 'utf8', env: {...process.env, SANDBOX_PORT: 'abc'}});
    assert.equal(env.status, 2);
    assert.match(env.stderr, /SANDBOX_PORT must be a whole number/);
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-bad-'));
    writeFileSync(join(dir, 'sandbox.config.json'), JSON.stringify({server: {maxSessions: 'many'}}));
    const invalid = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', join(dir, 'sandbox.config.json')], {encoding: 'utf8'});
    assert.equal(invalid.status, 2);
    assert.match(invalid.stderr, /invalid sandbox config option "server\.maxSessions"/);
    const help = spawnSync(process.execPath, ['--import', 'tsx', MAIN, '--help'], {encoding: 'utf8'});
    assert.equal(help.status, 0);
    assert.match(help.stdout, /serve \[SITE_BUILD_DIR\]/);
  });
});
