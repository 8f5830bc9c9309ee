/**
 * Faults on real engines:
 * - the Docker daemon goes away mid-session and comes back: the reader gets
 *   `sandbox-lost`, /api/ready answers 503 while it is away and /api/health
 *   stays 200, and a new session runs once it answers, with no server restart.
 *   The shared engine is never touched: the test runs a second dockerd of its
 *   own (own data root, exec root, pid file and socket) and stops it by its pid.
 *   That daemon stops the session's container first (exit 143) and keeps
 *   answering kept-alive connections a while: see server/runtime/engine-shutdown.ts;
 * - a program that ends with 143 by itself is still an exit;
 * - a start that fails (engine unreachable) releases its slot and the reader
 *   gets a stable code;
 * - SIGTERM with 10 live sessions: exit 0 within 10 s, zero containers.
 */
import assert from 'node:assert/strict';
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import Dockerode from 'dockerode';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {buildImages} from '../../server/runtime/images.js';
import {LABELS} from '../../server/runtime/types.js';
import type {CreateSessionResponse} from '../../protocol/index.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, serverClient, spawnServe, startTestServer, testInstanceId, type TestClient} from '../helpers/server.js';

const SHELL_IMAGE = 'docusaurus-sandbox/shell:1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private dockerd: its own data root, exec root, pid file and socket; started and stopped by its own pid. */
class PrivateDaemon {
  readonly socket: string;
  private child: ChildProcess | undefined;

  // A short directory: the daemon's unix sockets live under the exec root (108-byte path limit).
  constructor(readonly dir: string) {
    this.socket = join(dir, 'd.sock');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    mkdirSync(join(this.dir, 'data'), {recursive: true});
    const log = join(this.dir, 'dockerd.log');
    const child = spawn(
      'dockerd',
      [
        '--data-root', join(this.dir, 'data'),
        '--exec-root', join(this.dir, 'x'),
        '--pidfile', join(this.dir, 'pid'),
        '-H', `unix://${this.socket}`,
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      {stdio: ['ignore', 'ignore', 'pipe'], detached: false},
    );
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    });
    child.on('exit', () => writeFileSync(log, output));
    this.child = child;
    const docker = new Dockerode({socketPath: this.socket});
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dockerd exited: ${output.slice(-2000)}`);
      if (await docker.ping().then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer: ${output.slice(-2000)}`);
      await sleep(200);
    }
  }

  /** SIGTERM to this daemon's own pid (what a service restart does), then wait for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

function loadImage(daemon: PrivateDaemon, image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Saved from the shared engine, loaded into the private one.
    execFile('sh', ['-c', `docker save ${image} | DOCKER_HOST="unix://${daemon.socket}" docker load`], (error, _stdout, stderr) =>
      error ? reject(new Error(`loading ${image}: ${stderr}`)) : resolve(),
    );
  });
}

const running = (client: TestClient) => client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'), 20_000, 'running');

async function status(url: string): Promise<number> {
  return (await fetch(url, {signal: AbortSignal.timeout(10_000)})).status;
}

describe('the Docker daemon restarts mid-session (a private dockerd)', {skip: needDocker()}, () => {
  let daemon: PrivateDaemon;
  before(async () => {
    await buildImages({envs: ['shell']});
    daemon = new PrivateDaemon(mkdtempSync('/tmp/sbx-dd-'));
    await daemon.start();
    await loadImage(daemon, SHELL_IMAGE);
  });
  after(async () => {
    await daemon?.stop();
    // The data root holds overlay mounts only while the daemon runs; remove what is left.
    if (daemon && existsSync(daemon.dir)) rmSync(daemon.dir, {recursive: true, force: true, maxRetries: 3});
  });

  it('reader gets sandbox-lost, ready 503 / health 200 while away, new sessions work after, no server restart', {timeout: 180_000}, async () => {
    const instanceId = testInstanceId('daemon');
    const docker = new Dockerode({socketPath: daemon.socket});
    // Only the shell image is loaded into the private engine: readiness looks at the configured environments.
    await using served = await startTestServer({
      instanceId,
      runtime: new DockerRuntime({instanceId, docker}),
      config: {environments: {node: null, python: null}},
    });
    const firstReady = await fetch(`${served.url}/api/ready`);
    assert.equal(firstReady.status, 200, await firstReady.text());

    const client = await served.open({env: 'shell', cmd: 'echo before-restart; sleep 300'});
    await client.waitForOutput('before-restart');
    const stopping = daemon.stop();
    const error = await client
      .waitFor(() => client.messages.some((m) => m.type === 'error' || m.type === 'exit'), 60_000, 'the end of the session')
      .then(() => client.messages.find((m) => m.type === 'error' || m.type === 'exit'));
    const readerSaw = error && {type: error.type, code: 'code' in error ? error.code : undefined};
    await stopping;

    // Away: not ready (503 with a code), but alive.
    await sleep(2_500); // the engine answer is cached for 2 s
    const ready = await fetch(`${served.url}/api/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as {error: {code: string}}).error.code, 'docker-unavailable');
    assert.equal(await status(`${served.url}/api/health`), 200);
    const refused = await served.post({env: 'shell', cmd: 'true'});
    assert.equal(refused.status, 503);
    assert.equal((refused.body as {error: {code: string}}).error.code, 'docker-unavailable');
    assert.equal(served.server.activeSessions, 0, 'the lost session released its slot');

    await daemon.start();
    const deadline = Date.now() + 20_000;
    while ((await status(`${served.url}/api/ready`)) !== 200) {
      assert.ok(Date.now() < deadline, '/api/ready is 200 again once the engine answers');
      await sleep(500);
    }
    const again = await served.open({env: 'shell', cmd: 'echo after-restart'});
    await again.waitForOutput('after-restart');
    assert.deepEqual(await again.waitForExit(), {type: 'exit', code: 0, reason: 'exit'});
    await served.close();
    // A removal the engine has accepted may still show as "removing" for a moment.
    const mine = () => docker.listContainers({all: true, filters: {label: [`${LABELS.instance}=${instanceId}`]}});
    let left = await mine();
    for (const until = Date.now() + 5_000; left.length > 0 && Date.now() < until; left = await mine()) await sleep(200);
    assert.deepEqual(left.map((container) => container.Id), [], `no container of this server is left on the engine ${JSON.stringify(left)}`);
    // Last, so everything above is checked whatever this says: a daemon that
    // stops its containers on the way down (exit 143) is a lost sandbox too.
    assert.deepEqual(readerSaw, {type: 'error', code: 'sandbox-lost'});
  });
});

describe('a program that ends with the stop signal by itself (Docker)', {skip: needDocker()}, () => {
  // The engine's shutdown also ends containers with 143; only an engine that
  // no longer takes new connections makes that a lost sandbox.
  it('is reported as its exit (143), not as a lost sandbox', {timeout: 60_000}, async () => {
    await buildImages({envs: ['shell']});
    const instanceId = testInstanceId('self143');
    await using served = await startTestServer({instanceId});
    for (const cmd of ['exit 143', 'kill -TERM $$']) {
      const client = await served.open({env: 'shell', cmd});
      assert.deepEqual(await client.waitForExit(), {type: 'exit', code: 143, reason: 'exit'}, cmd);
    }
  });
});

describe('a start that fails', {skip: needDocker()}, () => {
  it('releases its slot and gives the reader a stable code', {timeout: 60_000}, async (t) => {
    const instanceId = testInstanceId('failstart');
    // The engine answers health checks (the shared one) but every start goes to a socket nobody listens on.
    const nowhere = mkdtempSync('/tmp/sbx-none-');
    t.after(() => rmSync(nowhere, {recursive: true, force: true}));
    const dead = new DockerRuntime({instanceId, docker: new Dockerode({socketPath: join(nowhere, 'none.sock')}), createTimeout: 2_000});
    const shared = new DockerRuntime({instanceId});
    const runtime = {
      start: dead.start.bind(dead),
      engine: shared.engine.bind(shared),
      hasImage: shared.hasImage.bind(shared),
      reap: shared.reap.bind(shared),
    };
    await using served = await startTestServer({instanceId, runtime, config: {server: {maxSessions: 1, maxSessionsPerClient: 1}}});
    for (let attempt = 0; attempt < 3; attempt++) {
      // With one slot, a second attempt would be refused (429/503) if the first failed start kept it.
      // The slot may be freed a moment after the socket closes (a layer that polls for the end): allow 1 s.
      let created = await served.post({env: 'shell', cmd: 'echo never'});
      for (const until = Date.now() + 1_000; created.status === 503 && attempt > 0 && Date.now() < until; ) {
        await sleep(50);
        created = await served.post({env: 'shell', cmd: 'echo never'});
      }
      assert.equal(created.status, 201, `attempt ${attempt}: ${JSON.stringify(created.body)}`);
      const client = await served.connect(created.body as CreateSessionResponse);
      const message = await client
        .waitFor(() => client.messages.some((m) => m.type === 'error'), 20_000, 'an error message')
        .then(() => client.messages.find((m) => m.type === 'error'));
      assert.equal(message && 'code' in message ? message.code : undefined, 'docker-unavailable');
      await client.closed;
      assert.equal(served.server.activeSessions, 0);
    }
    assert.equal(labelledContainers(instanceId).length, 0);
  });
});

describe('SIGTERM with 10 live sessions (Docker)', {skip: needDocker()}, () => {
  it('tells every client (1001), removes every container and exits 0 within 10 s', {timeout: 90_000}, async () => {
    await buildImages({envs: ['shell']});
    const instanceId = testInstanceId('term10');
    const dir = mkdtempSync('/tmp/sbx-term-');
    const configFile = join(dir, 'sandbox.config.json');
    writeFileSync(configFile, JSON.stringify({server: {maxSessionsPerClient: 12, maxSessions: 12}}));
    const {child, url, exited} = await spawnServe({instanceId, configFile});
    try {
      const api = serverClient(url);
      const clients = await Promise.all(Array.from({length: 10}, () => api.open({env: 'shell', cmd: 'sleep 300'})));
      await Promise.all(clients.map(running));
      assert.equal(labelledContainers(instanceId).length, 10);
      const started = Date.now();
      child.kill('SIGTERM');
      const {code} = await exited;
      const took = Date.now() - started;
      assert.equal(code, 0);
      assert.ok(took < 10_000, `exit took ${took} ms`);
      for (const client of clients) assert.equal((await client.closed).code, 1001);
      assert.equal(labelledContainers(instanceId).length, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

