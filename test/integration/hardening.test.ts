/**
 * The containers' hardening and the hostile programs' bounds on the real engine:
 * `docker inspect` shows every setting, the inside of a sandbox shows their
 * effect, and hostile programs have the outcomes site/docs/reference/security.md
 * states. Containers carry an instance id unique to this run.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import Dockerode from 'dockerode';
import {normalizeConfig} from '../../config/index.js';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {SHM_SIZE} from '../../server/runtime/hardening.js';
import {buildImages} from '../../server/runtime/images.js';
import {type ContainerExit, type ContainerSpec, LABELS, type SandboxContainer, type SeedFile} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';

const RUN = randomUUID().slice(0, 8);
const INSTANCE = `it-hardening-${RUN}`;
const config = normalizeConfig({});
const limits = config.limits;
const docker = new Dockerode();
let sessions = 0;

function spec(envName: string, cmd: string, files: SeedFile[] = [], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {sessionId: `${RUN}-${++sessions}`, envName, env: config.environments[envName]!, files, cmd, interactive: false, cols: 80, rows: 24, ...overrides};
}

/** Output (bounded) and exit of a container; removes it afterwards. */
async function collect(container: SandboxContainer, timeoutMs = 60_000): Promise<{output: string; exit: ContainerExit}> {
  let output = '';
  container.stream.on('data', (chunk: Buffer) => {
    if (output.length < 1024 * 1024) output += chunk.toString('utf8');
  });
  try {
    const exit = await Promise.race([
      container.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms: ${output}`)), timeoutMs).unref()),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {output, exit};
  } finally {
    await container.remove();
  }
}

function waitFor(container: SandboxContainer, text: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      container.stream.off('data', onData);
      reject(new Error(`did not see ${text} within ${timeoutMs} ms; saw ${JSON.stringify(seen.slice(-500))}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(text)) {
        clearTimeout(timer);
        container.stream.off('data', onData);
        resolve();
      }
    };
    container.stream.on('data', onData);
  });
}

/**
 * Keystroke echo round trips of a separate session (the TTY echoes each byte)
 * while `during` runs; returns the 99th percentile in ms.
 */
async function echoP99(runtime: DockerRuntime, during: Promise<unknown>): Promise<number> {
  const probe = await runtime.start(spec('shell', 'cat >/dev/null'));
  const samples: number[] = [];
  try {
    let pending: (() => void) | undefined;
    probe.stream.on('data', () => pending?.());
    let done = false;
    during.finally(() => (done = true)).catch(() => undefined);
    while (!done || samples.length < 20) {
      const sent = performance.now();
      await new Promise<void>((resolve) => {
        pending = resolve;
        probe.stream.write('k');
      });
      samples.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (samples.length > 2000) break;
    }
  } finally {
    await probe.remove();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;
}

describe('sandbox hardening on the real engine', {skip: needDocker()}, () => {
  const runtime = new DockerRuntime({instanceId: INSTANCE});

  before(async () => {
    await buildImages({log: (line) => console.log(`[images] ${line}`)});
  });

  after(async () => {
    await runtime.reap({instanceId: INSTANCE});
  });

  it('docker inspect shows every hardening setting', async () => {
    process.env.HARDENING_TEST_SERVER_VARIABLE = 'must-not-leak';
    const containerSpec = spec('shell', 'sleep 30');
    const container = await runtime.start(containerSpec);
    delete process.env.HARDENING_TEST_SERVER_VARIABLE;
    try {
      const info = await docker.getContainer(container.id).inspect();
      const host = info.HostConfig as Dockerode.HostConfig & {CgroupnsMode?: string};
      assert.deepEqual(host.CapDrop, ['ALL']);
      assert.ok(!host.CapAdd || host.CapAdd.length === 0);
      assert.equal(host.Privileged, false);
      assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
      assert.equal(info.Config.User, '1000:1000');
      assert.equal(host.Memory, limits.memory);
      assert.equal(host.MemorySwap, limits.memory);
      assert.equal(host.NanoCpus, limits.cpus * 1e9);
      assert.equal(host.PidsLimit, limits.pids);
      assert.equal(host.NetworkMode, 'none');
      assert.equal(host.ReadonlyRootfs, true);
      assert.match(host.Tmpfs!['/workspace']!, new RegExp(`(^|,)size=${limits.workspaceSize}(,|$)`));
      assert.match(host.Tmpfs!['/tmp']!, new RegExp(`(^|,)size=${limits.tmpSize}(,|$)`));
      assert.ok(limits.workspaceSize + limits.tmpSize + SHM_SIZE < limits.memory * 0.75, 'tmpfs well below memory');
      assert.equal(host.ShmSize, SHM_SIZE);
      assert.equal(host.LogConfig?.Type, 'none');
      assert.equal(host.Init, true);
      assert.deepEqual(
        host.Ulimits?.find((ulimit) => ulimit.Name === 'nofile'),
        {Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile},
      );
      assert.ok(!host.Binds || host.Binds.length === 0, 'no binds');
      assert.deepEqual(info.Mounts, [], 'no volumes or host paths');
      assert.equal(info.Config.Labels[LABELS.project], 'true');
      assert.equal(info.Config.Labels[LABELS.instance], INSTANCE);
      assert.equal(info.Config.Labels[LABELS.session], containerSpec.sessionId);
      assert.equal(info.Config.Labels[LABELS.env], 'shell');
      assert.equal(info.Config.Tty, true);
      assert.ok(!info.Config.Env.some((entry) => entry.includes('must-not-leak')), "the server's variables never reach the container");
      assert.ok(!info.Config.Env.some((entry) => entry.startsWith('NODE_') || entry.startsWith('npm_')));
      assert.ok(info.Config.Env.includes('TERM=xterm-256color'));
    } finally {
      await container.remove();
    }
  });

  it('inside: non-root, no capabilities, no new privileges, seccomp on, read-only root, writable /workspace, only lo', async () => {
    const probe = [
      'echo "uid=$(id -u)"',
      "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
      'touch /rootfs-write 2>&1 | head -n1',
      'touch /usr/rootfs-write 2>&1 | head -n1',
      'echo ok > /workspace/w && echo workspace=writable',
      'echo ok > /tmp/t && echo tmp=writable',
      'echo "ifaces=$(ls /sys/class/net | tr "\\n" " ")"',
      'echo "devlines=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
      '(echo evil > /proc/sys/kernel/hostname) 2>&1 | head -n1 | sed "s/^/procsys: /"',
      'mount -t tmpfs none /mnt 2>&1 | head -n1 | sed "s/^/mount: /"',
      'test -e /var/run/docker.sock || test -e /run/docker.sock || echo no-docker-socket',
      'echo "procs=$(ls -d /proc/[0-9]* | wc -l)"',
      'bash -c "exec 3<>/dev/tcp/192.0.2.1/80" 2>&1 | head -n1 | sed "s/^/net: /"',
      'cp /bin/true /workspace/t && /workspace/t && echo workspace-exec=yes',
      'cp /bin/true /tmp/t2 && (/tmp/t2 2>/dev/null && echo tmp-exec=yes || echo tmp-exec=no)',
    ].join('\n');
    const {output, exit} = await collect(await runtime.start(spec('shell', 'sh probe.sh', [{path: 'probe.sh', content: probe}])));
    const value = (key: string) => new RegExp(`^${key}(?:=|:\\s*)(.*?)\\r?$`, 'm').exec(output)?.[1]?.trim();
    assert.notEqual(value('uid'), '0');
    assert.equal(value('uid'), '1000');
    assert.equal(value('CapEff'), '0000000000000000');
    assert.equal(value('CapPrm'), '0000000000000000');
    assert.equal(value('CapBnd'), '0000000000000000');
    assert.equal(value('NoNewPrivs'), '1');
    assert.equal(value('Seccomp'), '2', 'seccomp filter mode');
    assert.match(output, /rootfs-write.*Read-only file system/);
    assert.match(output, /usr\/rootfs-write.*Read-only file system/);
    assert.match(output, /workspace=writable/);
    assert.match(output, /tmp=writable/);
    assert.equal(value('ifaces'), 'lo');
    assert.equal(value('devlines'), 'lo');
    assert.match(output, /procsys: .*(Read-only file system|Permission denied)/);
    assert.match(output, /mount: .*(permission denied|must be superuser|Operation not permitted)/i);
    assert.match(output, /no-docker-socket/);
    assert.ok(Number(value('procs')) < 10, `only the sandbox's own processes are visible: ${value('procs')}`);
    assert.match(output, /net: .*(Network is unreachable|Cannot assign|No route)/);
    assert.match(output, /workspace-exec=yes/);
    assert.match(output, /tmp-exec=no/);
    assert.equal(exit.code, 0);
  });

  it('disk fill: writing 200 MB to /workspace gets "No space left" and the program goes on', async () => {
    const {output, exit} = await collect(
      await runtime.start(
        spec('shell', 'head -c 200000000 /dev/zero > /workspace/big; echo "rc=$?"; echo "size=$(wc -c < /workspace/big)"; rm /workspace/big; echo still-alive'),
      ),
    );
    assert.match(output, /No space left on device/);
    assert.match(output, /rc=1/);
    const size = Number(/size=(\d+)/.exec(output)?.[1]);
    assert.ok(size <= limits.workspaceSize && size > limits.workspaceSize / 2, `stopped at the tmpfs size: ${size}`);
    assert.match(output, /still-alive/);
    assert.deepEqual(exit, {code: 0, oomKilled: false});
  });

  it('fork bomb: EAGAIN at the pids limit, the sandbox recovers, other sessions keep echoing', async () => {
    const program = [
      'import errno, os, signal, time',
      'children = []',
      'try:',
      '    while True:',
      '        pid = os.fork()',
      '        if pid == 0:',
      '            time.sleep(60)',
      '            os._exit(0)',
      '        children.append(pid)',
      'except OSError as error:',
      '    print("fork failed:", errno.errorcode[error.errno], "after", len(children), flush=True)',
      'time.sleep(2)',
      'for pid in children:',
      '    os.kill(pid, signal.SIGKILL)',
      '    os.waitpid(pid, 0)',
      'pid = os.fork()',
      'if pid == 0:',
      '    os._exit(0)',
      'os.waitpid(pid, 0)',
      'print("recovered", flush=True)',
    ].join('\n');
    const started = runtime.start(spec('python', 'python3 bomb.py', [{path: 'bomb.py', content: program}]));
    const running = started.then((container) => collect(container));
    const p99 = await echoP99(runtime, running);
    const {output, exit} = await running;
    const forks = Number(/fork failed: EAGAIN after (\d+)/.exec(output)?.[1]);
    assert.ok(forks > 0 && forks < limits.pids, `EAGAIN below the pids limit (${forks} forks): ${output}`);
    assert.match(output, /recovered/);
    assert.deepEqual(exit, {code: 0, oomKilled: false});
    assert.ok(p99 < 50, `another session's echo p99 ${p99.toFixed(1)} ms`);
  });

  it('classic shell fork bomb: held at the pids limit, the host process count stays bounded, kill ends it', async () => {
    const hostProcesses = () => Number(execFileSync('sh', ['-c', 'ls -d /proc/[0-9]* | wc -l']).toString().trim());
    const before = hostProcesses();
    const container = await runtime.start(spec('shell', 'echo bombing; b() { b | b & }; b; sleep 30'));
    try {
      await waitFor(container, 'bombing');
      // Sampled for 3 s, not once at the end: a bash bomb whose forks fail can
      // collapse on its own (CI once saw 3 processes left after 3 s). One-shot
      // stats answer at once; without it each sample waits ~1 s for a second
      // CPU reading, and two samples could both miss the peak.
      let most = 0;
      let hostMost = 0;
      for (const until = performance.now() + 3000; performance.now() < until; ) {
        const stats = (await docker.getContainer(container.id).stats({stream: false, 'one-shot': true})) as {pids_stats?: {current?: number}};
        most = Math.max(most, stats.pids_stats?.current ?? 0);
        hostMost = Math.max(hostMost, hostProcesses() - before);
      }
      assert.ok(most > 10 && most <= limits.pids, `pids held at the limit: at most ${most}`);
      assert.ok(hostMost <= limits.pids + 20, `host process count bounded (at most +${hostMost})`);
      const killed = performance.now();
      await container.kill('SIGKILL');
      const exit = await container.exited;
      assert.equal(exit.code, 137);
      assert.ok(performance.now() - killed < 10_000);
    } finally {
      await container.remove();
    }
  });

  it('memory bomb: the victim is OOM-killed, the program goes on, oomKilled is reported', async () => {
    const bomb = 'b = []\nwhile True:\n    b.append(bytearray(16 * 1024 * 1024))\n';
    const running = runtime
      .start(spec('python', 'python3 bomb.py; echo "child=$?"; echo still-alive', [{path: 'bomb.py', content: bomb}]))
      .then((container) => collect(container));
    const p99 = await echoP99(runtime, running);
    const {output, exit} = await running;
    assert.match(output, /child=137/);
    assert.match(output, /still-alive/);
    // A child killed by OOM leaves exit code 0: only State.OOMKilled tells.
    assert.deepEqual(exit, {code: 0, oomKilled: true});
    assert.ok(p99 < 50, `another session's echo p99 ${p99.toFixed(1)} ms`);
  });

  it('CPU spin: throttled to the configured share', async () => {
    const container = await runtime.start(spec('shell', 'echo spinning; while :; do :; done'));
    try {
      await waitFor(container, 'spinning');
      const read = async () =>
        ((await docker.getContainer(container.id).stats({stream: false})) as {cpu_stats: {cpu_usage: {total_usage: number}}}).cpu_stats.cpu_usage.total_usage;
      const first = await read();
      const from = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const used = (await read()) - first;
      const share = used / 1e6 / (performance.now() - from);
      assert.ok(share < limits.cpus * 1.3, `used ${share.toFixed(2)} cores, limit ${limits.cpus}`);
      assert.ok(share > limits.cpus * 0.3, `the spin did run (${share.toFixed(2)} cores)`);
    } finally {
      await container.remove();
    }
  });

  it('leaves no container of this run behind', async () => {
    const left = await docker.listContainers({all: true, filters: {label: [`${LABELS.instance}=${INSTANCE}`]}});
    assert.deepEqual(left, []);
  });
});
