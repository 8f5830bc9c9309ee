/**
 * A second `serve` never touches a live server's containers (the built CLI,
 * as an operator runs it): on the same port it fails to bind and exits
 * non-zero at once; with the same instance id on another port the engine-side
 * lease refuses it. After a `kill -9` the successor still reaps the orphans.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {normalizeConfig} from '../../config/index.js';
import {deriveInstanceId} from '../../server/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {leaseName} from '../../server/runtime/lease.js';
import {LABELS} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, serverClient, type TestClient} from '../helpers/server.js';

const CLI = new URL('../../dist/server/cli/main.js', import.meta.url).pathname;

interface Served {
  child: ChildProcess;
  exited: Promise<{code: number | null; at: number}>;
  stderr: () => string;
}

/** `node dist/server/cli/main.js serve`, with the instance id derived from host and port unless given. */
function serve(configFile: string, port: number, instanceId?: string): Served {
  const env: NodeJS.ProcessEnv = {...process.env};
  delete env.SANDBOX_INSTANCE_ID;
  if (instanceId !== undefined) env.SANDBOX_INSTANCE_ID = instanceId;
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--admin-port', String(port + 1), '--allow-inline', '--config', configFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const exited = once(child, 'exit').then(([code]) => ({code: code as number | null, at: Date.now()}));
  return {child, exited, stderr: () => stderr};
}

async function listening(served: Served): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    served.child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void served.exited.then(({code}) => reject(new Error(`serve exited with ${code}: ${served.stderr()}`)));
  });
}

/** Two free consecutive ports (public and admin). */
async function freePorts(): Promise<number> {
  for (;;) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as {port: number}).port;
    server.close();
    const next = createServer().listen(port + 1, '127.0.0.1');
    const ok = await Promise.race([once(next, 'listening').then(() => true), once(next, 'error').then(() => false)]);
    next.close();
    if (ok && port < 65_000) return port;
  }
}

const docker = (args: string[]) => execFileSync('docker', args, {encoding: 'utf8'}).trim();
const byLabel = (label: string) => docker(['ps', '-aq', '--no-trunc', '--filter', `label=${label}`]).split('\n').filter(Boolean).sort();
const running = (id: string) => docker(['inspect', '-f', '{{.State.Running}}', id]) === 'true';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !predicate(); await sleep(200)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('a second serve never touches a live instance (Docker)', {skip: needDocker() || (!existsSync(CLI) && 'run `npm run build` first')}, () => {
  const children: ChildProcess[] = [];
  let dir = '';
  let configFile = '';
  let port = 0;
  let instanceId = '';
  before(async () => {
    await buildImages({envs: ['shell']});
    dir = mkdtempSync(join(tmpdir(), 'sandbox-lease-'));
    configFile = join(dir, 'sandbox.config.json');
    writeFileSync(configFile, JSON.stringify({environments: {shell: {poolSize: 1}}}));
    port = await freePorts();
    instanceId = deriveInstanceId(normalizeConfig({server: {port}}));
  });
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // What this test's servers made, should an assertion have failed midway.
    const left = [...byLabel(`${LABELS.instance}=${instanceId}`), ...byLabel(`${LABELS.lease}=${instanceId}`)];
    if (left.length > 0) docker(['rm', '-f', ...left]);
    rmSync(dir, {recursive: true, force: true});
  });

  it('B on the busy port exits non-zero within 2 s; the same id elsewhere is refused; A keeps its session and pool; kill -9 A, then B reaps', {timeout: 120_000}, async () => {
    const a = serve(configFile, port);
    children.push(a.child);
    const url = await listening(a);
    const poolLabel = `${LABELS.instance}=${instanceId}`;
    await until(() => byLabel(poolLabel).length === 1, 'a warm container');
    // Poolsize 1 and no session: the one container is the warm one, which the session takes.
    const [taken] = byLabel(poolLabel);

    const client: TestClient = await serverClient(url).open({env: 'shell', cmd: 'sleep 300'});
    await client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'));
    client.send(Buffer.from('echo-before\r'));
    await client.waitForOutput('echo-before');
    // The pool refills after the take: the session's container and one warm one.
    await until(() => byLabel(poolLabel).length === 2, 'the pool refilled');
    const containersBefore = byLabel(poolLabel);
    const sessionContainer = taken!;
    const warmBefore = containersBefore.filter((id) => id !== sessionContainer);
    assert.equal(warmBefore.length, 1);
    const warm = () => byLabel(poolLabel).filter((id) => id !== sessionContainer);
    const leaseBefore = byLabel(`${LABELS.lease}=${instanceId}`);
    assert.equal(leaseBefore.length, 1);

    // Same port (same derived instance id): the bind fails before the engine is touched.
    const started = Date.now();
    const b = serve(configFile, port);
    children.push(b.child);
    const bExit = await b.exited;
    assert.notEqual(bExit.code, 0);
    assert.ok(bExit.at - started < 2_000, `B took ${bExit.at - started} ms to exit`);
    assert.match(b.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`));

    // Same instance id on another port: the lease refuses it.
    const otherPort = await freePorts();
    const c = serve(configFile, otherPort, instanceId);
    children.push(c.child);
    const cExit = await c.exited;
    assert.notEqual(cExit.code, 0);
    assert.match(c.stderr(), new RegExp(`instance id "${instanceId}" is held by a running server .*${leaseName(instanceId)}`));

    await sleep(500);
    assert.deepEqual(byLabel(poolLabel), containersBefore, 'no container of A removed, none of B or C left');
    assert.deepEqual(warm(), warmBefore, "A's warm pool untouched");
    assert.deepEqual(byLabel(`${LABELS.lease}=${instanceId}`), leaseBefore, "A's lease is the only one");
    assert.ok(running(sessionContainer));
    client.send(Buffer.from('echo-after\r'));
    await client.waitForOutput('echo-after');
    assert.equal(client.messages.some((m) => m.type === 'exit'), false);

    // kill -9: the lease container ends with A's connection; the successor reaps A's orphans.
    a.child.kill('SIGKILL');
    await a.exited;
    await client.closed;
    const successor = serve(configFile, port);
    children.push(successor.child);
    await listening(successor);
    await until(() => containersBefore.every((id) => !byLabel(poolLabel).includes(id)), "A's orphans reaped", 10_000);
    assert.notDeepEqual(byLabel(`${LABELS.lease}=${instanceId}`), leaseBefore, 'the successor holds a lease of its own');
    successor.child.kill('SIGTERM');
    assert.equal((await successor.exited).code, 0);
    assert.deepEqual(labelledContainers(instanceId), []);
    assert.deepEqual(byLabel(`${LABELS.lease}=${instanceId}`), [], 'the lease is released on shutdown');
  });
});
