/**
 * The warm pool on the real engine, through the server built
 * from config (`environments.<name>.poolSize`): sessions get their files,
 * output and terminal size from a warm container, each warm container serves
 * one session only, the pool refills, the hardening equals a cold container's,
 * close() drains to zero containers, and a restarted server reaps its
 * predecessor's pool. Every container carries an instance id unique to this run.
 */
import assert from 'node:assert/strict';
import {createHash, randomUUID} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import {BUNDLED_ENVIRONMENTS, normalizeConfig, type SandboxConfigInput} from '../../config/index.js';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {buildImages} from '../../server/runtime/images.js';
import {PooledRuntime} from '../../server/runtime/pool.js';
import {LABELS} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';
import {labelledContainers, startTestServer, type TestClient, type TestServer, waitForNoContainers} from '../helpers/server.js';

const RUN = randomUUID().slice(0, 8);
const POOL_SIZE = 2;

/** The same image and limits as `shell`, without a pool: the cold twin for comparisons. */
const CONFIG: SandboxConfigInput = {
  environments: {
    shell: {poolSize: POOL_SIZE},
    plain: {...BUNDLED_ENVIRONMENTS.shell!},
  },
  server: {sessionsPerMinute: 1000, maxSessionsPerClient: 20},
};

/**
 * Running containers the pool of `instanceId` made. A taken one keeps its
 * labels, so between sessions (each ran to its end) these are the warm ones.
 */
function warmIds(instanceId: string): string[] {
  const out = execFileSync('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${LABELS.instance}=${instanceId}`, '--filter', `label=${LABELS.pool}`], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

async function waitForWarm(instanceId: string, count: number, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = warmIds(instanceId);
    if (ids.length >= count) return ids;
    if (Date.now() > deadline) throw new Error(`only ${ids.length} of ${count} warm containers after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The id of the container a command runs in, from its cgroup (cgroup v1: `/docker/<id>`). */
const WHO_AM_I = `grep -o -m1 'docker[/-][0-9a-f]\\{64\\}' /proc/self/cgroup | tail -c 65`;

const inspect = (id: string) =>
  JSON.parse(execFileSync('docker', ['inspect', id], {encoding: 'utf8'}))[0] as {
    Config: Record<string, unknown> & {Labels: Record<string, string>; Env: string[]; Cmd: string[]};
    HostConfig: Record<string, unknown>;
  };

async function run(server: TestServer, body: Parameters<TestServer['open']>[0]): Promise<{client: TestClient; output: string; code: number}> {
  const client = await server.open(body);
  const exit = await client.waitForExit(30_000);
  return {client, output: client.output, code: exit.code};
}

describe('warm pool on the real engine', {skip: needDocker()}, () => {
  const instanceId = `it-pool-${RUN}`;
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell'], log: (line) => console.log(`[images] ${line}`)});
    server = await startTestServer({instanceId, config: CONFIG});
  });

  after(async () => {
    await server?.close();
    execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.instance}=${instanceId}`], {encoding: 'utf8'})
      .split('\n')
      .filter(Boolean)
      .forEach((id) => execFileSync('docker', ['rm', '-f', id], {stdio: 'ignore'}));
  });

  it(`fills the pool to poolSize (${POOL_SIZE}) ahead of demand`, async () => {
    const ids = await waitForWarm(instanceId, POOL_SIZE);
    assert.equal(ids.length, POOL_SIZE);
    for (const id of ids) assert.equal(inspect(id).Config.Labels[LABELS.env], 'shell');
  });

  it('a session through the pool gets exactly its files, its output, its exit code and its terminal size', async () => {
    const warmBefore = await waitForWarm(instanceId, POOL_SIZE);
    const files = [
      {path: 'main.sh', content: '. ./lib/greet.sh\ngreet "$(cat data/name.txt)"\nexit 7\n'},
      {path: 'lib/greet.sh', content: "greet() { echo \"hello, $1 it's me\"; }\n"},
      {path: 'data/name.txt', content: 'pool\n'},
    ];
    const {output, code} = await run(server, {
      env: 'shell',
      cmd: `${WHO_AM_I}; find /workspace -mindepth 1 -type f | sort; echo ---; stty size; env | grep -c SANDBOX_; sh main.sh`,
      files,
      cols: 132,
      rows: 43,
    });
    const lines = output.split(/\r?\n/);
    assert.ok(warmBefore.includes(lines[0]!), `ran in a warm container (${lines[0]} in ${warmBefore.join(', ')})`);
    const listing = lines.slice(1, lines.indexOf('---'));
    assert.deepEqual(listing, files.map((file) => `/workspace/${file.path}`).sort(), '/workspace holds exactly the files');
    assert.match(output, /^43 132\r?$/m);
    assert.match(output, /^0\r?$/m, 'no SANDBOX_ variable reaches the program');
    assert.match(output, /hello, pool it's me/);
    assert.doesNotMatch(output, /\x1b_sandbox/, 'the launcher markers never reach the reader');
    assert.equal(code, 7);
    // Operators see the take as such: a warm time to first byte, no container start.
    const metrics = await server.server.metrics.registry.metrics();
    assert.match(metrics, /sandbox_time_to_first_byte_seconds_count\{env="shell",pool="warm"\} 1\n/);
    assert.doesNotMatch(metrics, /sandbox_time_to_first_byte_seconds_count\{env="shell",pool="cold"\}/);
    assert.doesNotMatch(metrics, /sandbox_container_start_seconds_count\{env="shell"\}/);
  });

  it('never reuses a warm container, and refills after each take', async () => {
    const used: string[] = [];
    for (let index = 0; index < POOL_SIZE + 2; index++) {
      const warm = await waitForWarm(instanceId, POOL_SIZE);
      const {output} = await run(server, {env: 'shell', cmd: `${WHO_AM_I}; if [ -e /tmp/used ]; then echo REUSED; else echo FRESH; fi; touch /tmp/used`});
      const id = output.split(/\r?\n/)[0]!;
      assert.ok(warm.includes(id), 'taken from the pool');
      assert.match(output, /FRESH/);
      used.push(id);
    }
    assert.equal(new Set(used).size, used.length, 'every session had its own container');
    await waitForWarm(instanceId, POOL_SIZE);
    const left = labelledContainers(instanceId);
    for (const id of used) assert.ok(!left.some((short) => id.startsWith(short)), 'a used container is removed, not returned');
  });

  it('seeds 256 KiB of files over stdin intact, with normalised modes', async () => {
    await waitForWarm(instanceId, 1);
    const big = 'abcdefghij'.repeat(12 * 1024) + 'x'.repeat(2 * 1024); // 124 KiB
    const other = 'z'.repeat(256 * 1024 - big.length - 26);
    const script = '#!/bin/sh\necho script ran\n';
    assert.equal(Buffer.byteLength(big + other + script), 256 * 1024);
    const {output, code} = await run(server, {
      env: 'shell',
      cmd: 'wc -c < big.txt; md5sum big.txt other.txt | cut -c1-32; stat -c "%a %u:%g %n" big.txt run.sh; ./run.sh',
      files: [
        {path: 'big.txt', content: big},
        {path: 'other.txt', content: other},
        {path: 'run.sh', content: script},
      ],
    });
    assert.match(output, new RegExp(`^${big.length}\\r?$`, 'm'));
    assert.match(output, new RegExp(createHash('md5').update(big).digest('hex')));
    assert.match(output, new RegExp(createHash('md5').update(other).digest('hex')));
    assert.match(output, /644 1000:1000 big\.txt/);
    assert.match(output, /755 1000:1000 run\.sh/);
    assert.match(output, /script ran/);
    assert.equal(code, 0);
  });

  it('interactive: the reader types into a pooled shell and resize reaches it', async () => {
    await waitForWarm(instanceId, 1);
    const client = await server.open({env: 'shell', cmd: 'echo first-done', interactive: true, cols: 90, rows: 20});
    await client.waitForOutput('first-done');
    client.send(Buffer.from('stty size; echo $((6 * 7))\r'));
    await client.waitForOutput(/20 90[\s\S]*42/);
    client.control({type: 'resize', cols: 100, rows: 50});
    // The resize is an engine call racing the typed command: ask until it shows.
    for (let attempt = 0; attempt < 20 && !client.output.includes('50 100'); attempt++) {
      client.send(Buffer.from('stty size\r'));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await client.waitForOutput('50 100');
    client.send(Buffer.from('exit 3\r'));
    assert.equal((await client.waitForExit()).code, 3);
  });

  it('has the same hardening as a cold container of the same environment', async () => {
    const [warmId] = await waitForWarm(instanceId, 1);
    const cold = await server.open({env: 'plain', cmd: `${WHO_AM_I}; cat`});
    await cold.waitForOutput(/[0-9a-f]{64}/);
    const coldId = /[0-9a-f]{64}/.exec(cold.output)![0];
    const warm = inspect(warmId!);
    const twin = inspect(coldId);
    assert.deepEqual(warm.HostConfig, twin.HostConfig, 'HostConfig (caps, seccomp, read-only root, tmpfs, limits, no network, log driver, init)');
    for (const key of ['User', 'Tty', 'OpenStdin', 'StdinOnce', 'Entrypoint', 'WorkingDir', 'NetworkDisabled', 'Image', 'Hostname']) {
      assert.deepEqual(warm.Config[key], twin.Config[key], key);
    }
    assert.ok(!warm.Config.Env.some((entry) => entry.startsWith('SANDBOX_')), 'no session data in a warm container');
    assert.equal(warm.Config.Labels[LABELS.project], 'true');
    assert.equal(warm.Config.Labels[LABELS.instance], instanceId);
    cold.control({type: 'signal', signal: 'SIGKILL'});
    await cold.waitForExit();
  });

  it('close() drains the pool: zero containers of this instance remain', async () => {
    await waitForWarm(instanceId, POOL_SIZE);
    await server.close();
    assert.equal(labelledContainers(instanceId).length, 0, 'nothing left when close() resolves');
    assert.equal(await waitForNoContainers(instanceId, 2_000), 0);
  });
});

describe('warm pool and the age sweep', {skip: needDocker()}, () => {
  const instanceId = `it-pool-sweep-${RUN}`;

  it("another server's age sweep spares warm containers (their session has not started) but not a cold one", async () => {
    const config = normalizeConfig(CONFIG);
    const docker = new DockerRuntime({instanceId});
    const pool = new PooledRuntime({runtime: docker, environments: config.environments, maxContainers: 20});
    try {
      const warm = await waitForWarm(instanceId, POOL_SIZE);
      const cold = await docker.start({
        sessionId: `${RUN}-cold`,
        envName: 'plain',
        env: config.environments.plain!,
        files: [],
        cmd: 'sleep 30',
        interactive: false,
        cols: 80,
        rows: 24,
      });
      cold.stream.resume();
      // A sweep with a zero cut-off, as a server knowing nothing of this pool would run it.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const reaped = await new DockerRuntime({instanceId: 'someone-else'}).reap({olderThanMs: 0, instanceId});
      assert.equal(reaped, 1, 'only the cold container is past its lifetime');
      const left = warmIds(instanceId);
      for (const id of warm) assert.ok(left.includes(id), 'warm containers get their warm-for allowance');
      await cold.remove();
    } finally {
      await pool.close();
    }
    assert.equal(await waitForNoContainers(instanceId, 5_000), 0);
  });
});

describe('warm pool across a restart', {skip: needDocker()}, () => {
  const instanceId = `it-pool-restart-${RUN}`;

  it("a restarted server (same instance id) reaps its predecessor's pool and keeps its own", async () => {
    const config = normalizeConfig(CONFIG);
    // The predecessor "crashes": its pool is never closed.
    const predecessor = new PooledRuntime({runtime: new DockerRuntime({instanceId}), environments: config.environments, maxContainers: 20});
    const stale = await waitForWarm(instanceId, POOL_SIZE);
    const server = await startTestServer({instanceId, config: CONFIG});
    try {
      const fresh = await waitForWarm(instanceId, POOL_SIZE);
      for (const id of stale) assert.ok(!fresh.includes(id), `the predecessor's ${id.slice(0, 12)} was reaped`);
      const {output} = await run(server, {env: 'shell', cmd: 'echo alive'});
      assert.match(output, /alive/);
    } finally {
      await server.close();
      await predecessor.close();
    }
    assert.equal(await waitForNoContainers(instanceId, 5_000), 0);
  });
});
