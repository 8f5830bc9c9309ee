/**
 * The sandbox seen through the server: a reader's code
 * cannot write outside /workspace and /tmp, gain a capability, see host
 * processes, reach the network, find a Docker socket, mount or write
 * /proc/sys; fork bomb, memory bomb, disk fill, CPU spin and endless output
 * end the way site/docs/reference/security.md says while another session's
 * echo stays under 50 ms p99 and the host's process count stays bounded.
 * Afterwards: no labelled container, limiter counters at zero, server memory
 * back within 20 % of its start. The runtime comes from SANDBOX_TEST_RUNTIME
 * (./runtime.ts); the container-level details are in
 * test/integration/hardening.test.ts.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {after, before, describe, it} from 'node:test';
import {DEFAULT_LIMITS} from '../../config/index.js';
import type {CreateSessionRequest} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers, type TestClient, type TestServer} from '../helpers/server.js';
import {sandboxEnvironments, TEST_RUNTIME, underGvisor, waitForCounters} from './runtime.js';

const PIDS = 128;
const PROBE = fileURLToPath(new URL('./echo-probe.ts', import.meta.url));
const hostProcesses = () => Number(execFileSync('sh', ['-c', 'ls -d /proc/[0-9]* | wc -l']).toString().trim());

function serverMemory(): number {
  const gc = (globalThis as {gc?: () => void}).gc;
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * Keystroke echo round trips (ms, p99) of an interactive `cat` session while
 * `during` runs, measured by a client in another process (./echo-probe.ts).
 */
async function echoP99(server: TestServer, during: Promise<unknown>): Promise<number> {
  const session = await server.create({env: 'shell', cmd: 'cat >/dev/null', interactive: true} as CreateSessionRequest);
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE, `${server.url.replace(/^http/, 'ws')}${session.ws}`, session.token, server.origin], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await during.catch(() => undefined);
  child.stdin.end();
  const code = await Promise.race([exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 30_000))]);
  if (code !== 0) child.kill('SIGKILL');
  assert.equal(code, 0, `the echo probe ended with ${String(code)}`);
  return (JSON.parse(out) as {p99: number}).p99;
}

describe(`the sandbox through the server, runtime ${TEST_RUNTIME} (security)`, {skip: needDocker()}, () => {
  const instanceId = testInstanceId('sec-sandbox');
  let server: TestServer;
  let memoryAtStart = 0;

  before(async () => {
    await buildImages({envs: ['shell', 'python']});
    server = await startTestServer({
      instanceId,
      config: {
        environments: sandboxEnvironments(),
        limits: {timeout: '6s', outputLimit: '16m', pids: PIDS},
        server: {maxSessionsPerClient: 10, sessionsPerMinute: 100, reconnectGrace: '1s'},
      },
    });
    // Warm up (module loading, first Docker calls) before the baseline.
    const warm = await server.open({env: 'shell', cmd: 'echo warm'});
    await warm.waitForExit(30_000);
    await waitForCounters(server.server);
    memoryAtStart = serverMemory();
  });

  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0, 'no labelled container remains');
  });

  it('cannot escape: writes, capabilities, host processes, network, Docker socket, mount, /proc/sys', async () => {
    const probe = [
      'echo "uid=$(id -u)"',
      "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
      'for target in / /usr /etc /var /home /root; do touch "$target/x-escape" 2>/dev/null && echo "wrote=$target"; done',
      'echo ok > /workspace/w && echo workspace=writable',
      'echo ok > /tmp/t && echo tmp=writable',
      '(echo evil > /proc/sys/kernel/hostname) 2>/dev/null && echo procsys=written || echo procsys=refused',
      'mount -t tmpfs none /mnt 2>/dev/null && echo mount=done || echo mount=refused',
      'ls -la /var/run/docker.sock /run/docker.sock /docker.sock 2>/dev/null | grep -q . && echo docker-socket=found || echo docker-socket=none',
      'echo "procs=$(ls -d /proc/[0-9]* | wc -l)"',
      'bash -c "exec 3<>/dev/tcp/1.1.1.1/80" 2>/dev/null && echo net=open || echo net=refused',
      'bash -c "exec 3<>/dev/tcp/169.254.169.254/80" 2>/dev/null && echo metadata=open || echo metadata=refused',
      'echo "ifaces=$(ls /sys/class/net 2>/dev/null | tr "\\n" " ")"',
    ].join('\n');
    const client = await server.open({env: 'shell', cmd: 'sh probe.sh', files: [{path: 'probe.sh', content: probe}]});
    const exit = await client.waitForExit(30_000);
    const output = client.output;
    const value = (key: string) => new RegExp(`^${key}(?:=|:\\s*)(.*?)\\r?$`, 'm').exec(output)?.[1]?.trim();
    assert.equal(value('uid'), '1000');
    assert.equal(value('CapEff'), '0000000000000000');
    assert.equal(value('CapPrm'), '0000000000000000');
    if (!underGvisor) {
      // gVisor emulates /proc: these lines are its own view (or absent), not the host kernel's.
      assert.equal(value('CapBnd'), '0000000000000000');
      assert.equal(value('NoNewPrivs'), '1');
      assert.equal(value('Seccomp'), '2');
    }
    assert.doesNotMatch(output, /wrote=/, 'nothing outside /workspace and /tmp is writable');
    assert.match(output, /workspace=writable/);
    assert.match(output, /tmp=writable/);
    assert.equal(value('procsys'), 'refused');
    assert.equal(value('mount'), 'refused');
    assert.equal(value('docker-socket'), 'none');
    assert.ok(Number(value('procs')) < 10, `host processes are invisible (${value('procs')} visible)`);
    assert.equal(value('net'), 'refused');
    assert.equal(value('metadata'), 'refused');
    // runc shows the loopback device; gVisor with --network=none shows no device at all.
    assert.ok(underGvisor ? ['', 'lo'].includes(value('ifaces') ?? '') : value('ifaces') === 'lo', `interfaces: ${value('ifaces')}`);
    assert.equal(exit.reason, 'exit');
  });

  /** Runs `request` to its exit while measuring another session's echo. */
  async function attack(request: CreateSessionRequest, options: {timeoutMs?: number; whileRunning?: (client: TestClient) => Promise<void>} = {}) {
    const client = await server.open(request);
    client.keepBytes = 256 * 1024;
    const finished = (async () => {
      await options.whileRunning?.(client);
      return client.waitForExit(options.timeoutMs ?? 30_000);
    })();
    const p99 = await echoP99(server, finished);
    const exit = await finished;
    console.log(`${TEST_RUNTIME} ${request.cmd}: ${JSON.stringify(exit)}, another session's echo p99 ${p99.toFixed(1)} ms`);
    assert.ok(p99 < 50, `another session's echo p99 ${p99.toFixed(1)} ms`);
    return {exit, output: client.output, bytes: client.receivedBytes, p99};
  }

  it('fork bomb: held at the pids limit, host process count bounded, ends with the time limit', async () => {
    const baseline = hostProcesses();
    let peak = 0;
    const {exit, output} = await attack(
      {env: 'shell', cmd: 'echo bombing; b() { b | b & }; b; sleep 30'},
      {
        whileRunning: async (client) => {
          await client.waitForOutput('bombing');
          for (let sample = 0; sample < 6; sample++) {
            await new Promise((resolve) => setTimeout(resolve, 500));
            peak = Math.max(peak, hostProcesses());
          }
        },
      },
    );
    assert.match(output, /bombing/);
    assert.ok(peak - baseline <= PIDS + 40, `host processes grew by ${peak - baseline} (pids limit ${PIDS})`);
    if (underGvisor) {
      // Under gVisor the bombing shell itself gets the fork error and exits (code 2) instead of sleeping on.
      assert.ok(exit.reason === 'timeout' || (exit.reason === 'exit' && exit.code !== 0), JSON.stringify(exit));
    } else {
      assert.equal(exit.reason, 'timeout');
    }
  });

  it('memory bomb: the allocating process is OOM-killed and the session reports oom', async () => {
    const bomb = 'b = []\nwhile True:\n    b.append(bytearray(16 * 1024 * 1024))\n';
    const {exit, output} = await attack({env: 'python', cmd: 'python3 bomb.py; echo "child=$?"; echo still-alive', files: [{path: 'bomb.py', content: bomb}]});
    if (underGvisor) {
      // gVisor's kernel and the program share the cgroup: the whole sandbox is OOM-killed (137), nothing goes on.
      assert.deepEqual([exit.reason, exit.code], ['oom', 137]);
    } else {
      assert.match(output, /child=137/);
      assert.match(output, /still-alive/);
      assert.equal(exit.reason, 'oom');
    }
  });

  it('disk fill: "No space left on device" at the tmpfs size, the session goes on', async () => {
    const {exit, output} = await attack({env: 'shell', cmd: 'head -c 200000000 /dev/zero > /workspace/big; echo "rc=$?"; rm -f /workspace/big; echo still-alive'});
    assert.match(output, /No space left on device/);
    assert.match(output, /rc=1/);
    assert.match(output, /still-alive/);
    assert.deepEqual([exit.reason, exit.code], ['exit', 0]);
  });

  it('CPU spin: ends with the time limit', async () => {
    const {exit} = await attack({env: 'shell', cmd: 'while :; do :; done'});
    assert.equal(exit.reason, 'timeout');
  });

  it('endless output: held to the output rate, ends at the output cap', async () => {
    let seconds = 0;
    const {exit, bytes} = await attack({env: 'shell', cmd: "tr '\\0' y </dev/zero"}, {
      async whileRunning(client) {
        await client.waitFor(() => client.receivedBytes > 0, 30_000, 'output');
        const first = performance.now();
        await client.waitForExit(30_000);
        seconds = (performance.now() - first) / 1000;
      },
    });
    assert.equal(exit.reason, 'output-limit');
    // The first byte starts a full bucket (a quarter second of burst); after that, at most the rate.
    const rate = DEFAULT_LIMITS.outputRate;
    assert.ok(bytes <= rate * 0.25 + rate * seconds * 1.05, `${bytes} bytes in ${seconds.toFixed(2)} s is over ${rate} B/s`);
  });

  it("endless output in two tabs of one reader: the tabs share one output rate", async () => {
    const flood = {env: 'shell', cmd: "tr '\\0' y </dev/zero"} as const;
    const tabs = [await server.open(flood), await server.open(flood)];
    for (const tab of tabs) tab.keepBytes = 64 * 1024;
    await Promise.all(tabs.map((tab) => tab.waitFor(() => tab.receivedBytes > 0, 30_000, 'output')));
    const first = performance.now();
    const exits = await Promise.all(tabs.map((tab) => tab.waitForExit(30_000)));
    const seconds = (performance.now() - first) / 1000;
    // Two output caps at one shared rate may outlast the time limit: either end is fine, the rate is the point.
    for (const exit of exits) assert.ok(['output-limit', 'timeout'].includes(exit.reason), `ended with ${exit.reason}`);
    const bytes = tabs.reduce((sum, tab) => sum + tab.receivedBytes, 0);
    const rate = DEFAULT_LIMITS.outputRate;
    assert.ok(bytes <= rate * 0.25 + rate * seconds * 1.05, `${bytes} bytes in ${seconds.toFixed(2)} s is over ${rate} B/s for the two tabs together`);
  });

  it('afterwards: counters at zero and server memory within 20 % of its start', async () => {
    await waitForCounters(server.server, 20_000);
    assert.equal(server.server.activeSessions, 0);
    let memory = serverMemory();
    // Sockets and streams of the ended sessions are collected over a few cycles.
    for (let attempt = 0; attempt < 10 && memory > memoryAtStart * 1.2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      memory = serverMemory();
    }
    assert.ok(memory <= memoryAtStart * 1.2, `heapUsed+external ${(memory / 2 ** 20).toFixed(1)} MiB vs ${(memoryAtStart / 2 ** 20).toFixed(1)} MiB at start`);
  });
});
