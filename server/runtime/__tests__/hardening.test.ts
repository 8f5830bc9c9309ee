import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig, type EnvironmentConfig} from '../../../config/index.js';
import {BASE_ENV, containerName, hardenedCreateOptions, SHM_SIZE, tmpfsOptions} from '../hardening.js';
import {LAUNCHER} from '../seed.js';
import {type ContainerSpec, LABELS} from '../types.js';

const config = normalizeConfig({});
const shell = config.environments.shell!;

function spec(overrides: Partial<ContainerSpec> = {}, env: Partial<EnvironmentConfig> = {}): ContainerSpec {
  return {
    sessionId: 'abc123',
    envName: 'shell',
    env: {...shell, ...env},
    files: [],
    cmd: 'sh main.sh',
    interactive: false,
    cols: 120,
    rows: 40,
    ...overrides,
  };
}

const SEED = ['SANDBOX_SEED_COUNT=1', 'SANDBOX_SEED_0=AAAA'];

describe('hardenedCreateOptions', () => {
  const options = hardenedCreateOptions(spec(), 'instance-1', SEED);
  const host = options.HostConfig!;

  it('drops every capability, forbids new privileges and never disables seccomp', () => {
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.CapAdd, []);
    assert.equal(host.Privileged, false);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.ok(!JSON.stringify(options).includes('unconfined'));
  });

  it('runs as the non-root sandbox user in /workspace', () => {
    assert.equal(options.User, '1000:1000');
    assert.equal(options.WorkingDir, '/workspace');
  });

  it('limits memory without swap, CPU, processes and open files; no core dumps', () => {
    assert.equal(host.Memory, shell.limits.memory);
    assert.equal(host.MemorySwap, shell.limits.memory);
    assert.equal(host.NanoCpus, shell.limits.cpus * 1e9);
    assert.equal(host.PidsLimit, shell.limits.pids);
    assert.deepEqual(host.Ulimits, [
      {Name: 'nofile', Soft: shell.limits.nofile, Hard: shell.limits.nofile},
      {Name: 'core', Soft: 0, Hard: 0},
    ]);
  });

  it('follows the environment limits', () => {
    const limits = {...shell.limits, memory: 512 * 1024 ** 2, cpus: 1.5, pids: 256, nofile: 2048, workspaceSize: 100 * 1024 ** 2, tmpSize: 10 * 1024 ** 2};
    const custom = hardenedCreateOptions(spec({}, {limits}), 'i', []).HostConfig!;
    assert.equal(custom.Memory, 512 * 1024 ** 2);
    assert.equal(custom.MemorySwap, 512 * 1024 ** 2);
    assert.equal(custom.NanoCpus, 1_500_000_000);
    assert.equal(custom.PidsLimit, 256);
    assert.equal(custom.Ulimits![0]!.Hard, 2048);
    assert.match(custom.Tmpfs!['/workspace']!, /size=104857600/);
    assert.match(custom.Tmpfs!['/tmp']!, /size=10485760/);
  });

  it('has a read-only root and sized tmpfs for /workspace (exec) and /tmp (noexec), well below memory', () => {
    assert.equal(host.ReadonlyRootfs, true);
    assert.deepEqual(Object.keys(host.Tmpfs!).sort(), ['/tmp', '/workspace']);
    assert.equal(host.Tmpfs!['/workspace'], `rw,exec,nosuid,nodev,size=${shell.limits.workspaceSize},uid=1000,gid=1000,mode=1777`);
    assert.equal(host.Tmpfs!['/tmp'], `rw,noexec,nosuid,nodev,size=${shell.limits.tmpSize},uid=1000,gid=1000,mode=1777`);
    assert.ok(shell.limits.workspaceSize + shell.limits.tmpSize + SHM_SIZE < host.Memory!);
    assert.equal(host.ShmSize, SHM_SIZE);
    assert.equal(host.IpcMode, 'private');
  });

  it('mounts nothing of the host', () => {
    assert.deepEqual(host.Binds, []);
    assert.deepEqual(host.Mounts, []);
    assert.deepEqual(host.Devices, []);
    assert.equal(options.Volumes, undefined);
    assert.ok(!JSON.stringify(options).includes('docker.sock'));
  });

  it('has no network unless the environment asks', () => {
    assert.equal(host.NetworkMode, 'none');
    assert.equal(options.NetworkDisabled, true);
    const networked = hardenedCreateOptions(spec({}, {network: true}), 'i', []);
    assert.equal(networked.HostConfig!.NetworkMode, undefined);
    assert.equal(networked.NetworkDisabled, undefined);
  });

  it('logs nothing to the host, runs tini as PID 1 and is removed explicitly', () => {
    assert.deepEqual(host.LogConfig, {Type: 'none', Config: {}});
    assert.equal(host.Init, true);
    assert.equal(host.AutoRemove, false);
    assert.ok(options.StopTimeout! > 0 && options.StopTimeout! <= 5);
  });

  it('sets the OCI runtime only when the environment names one', () => {
    assert.equal(host.Runtime, undefined);
    assert.equal(hardenedCreateOptions(spec({}, {runtime: 'runsc'}), 'i', []).HostConfig!.Runtime, 'runsc');
  });

  it('labels the container with project, instance, session and environment', () => {
    assert.deepEqual(options.Labels, {
      [LABELS.project]: 'true',
      [LABELS.instance]: 'instance-1',
      [LABELS.session]: 'abc123',
      [LABELS.env]: 'shell',
    });
  });

  it('builds the environment explicitly, never from the server process', () => {
    process.env.SERVER_SECRET_FOR_TEST = 'leak';
    const env = hardenedCreateOptions(spec(), 'i', SEED).Env!;
    delete process.env.SERVER_SECRET_FOR_TEST;
    assert.ok(!env.some((entry) => entry.includes('leak')));
    assert.deepEqual(env.slice(0, BASE_ENV.length), [...BASE_ENV]);
    assert.ok(env.includes('TERM=xterm-256color'));
    assert.ok(env.includes('HOME=/workspace'));
    assert.ok(env.includes('LANG=C.UTF-8'));
    assert.ok(env.some((entry) => entry.startsWith('PATH=')));
    assert.ok(env.includes('SANDBOX_CMD=sh main.sh'));
    assert.ok(env.includes('SANDBOX_COLS=120'));
    assert.ok(env.includes('SANDBOX_ROWS=40'));
    assert.deepEqual(env.slice(-2), SEED);
    assert.ok(!env.some((entry) => entry.startsWith('SANDBOX_SHELL=')));
  });

  it('passes the shell only for interactive blocks', () => {
    const env = hardenedCreateOptions(spec({interactive: true}), 'i', []).Env!;
    assert.ok(env.includes(`SANDBOX_SHELL=${shell.shell}`));
  });

  it('clamps absurd terminal sizes', () => {
    const env = hardenedCreateOptions(spec({cols: Number.NaN, rows: 1e9}), 'i', []).Env!;
    assert.ok(env.includes('SANDBOX_COLS=80'));
    assert.ok(env.includes('SANDBOX_ROWS=1000'));
  });

  it('runs the launcher in a TTY with stdin open, overriding the image entrypoint', () => {
    assert.equal(options.Image, shell.image);
    assert.deepEqual(options.Entrypoint, []);
    assert.deepEqual(options.Cmd, ['sh', '-c', LAUNCHER]);
    assert.equal(options.Tty, true);
    assert.equal(options.OpenStdin, true);
    assert.equal(options.StdinOnce, false);
    assert.equal(options.AttachStdin, true);
    assert.equal(options.AttachStdout, true);
    assert.equal(options.AttachStderr, true);
  });

  it('is pure: the same input gives the same options', () => {
    assert.deepEqual(hardenedCreateOptions(spec(), 'instance-1', SEED), options);
  });
});

describe('containerName and tmpfsOptions', () => {
  it('names containers only for session ids Docker accepts', () => {
    assert.equal(containerName('abc-123_x.y'), 'docusaurus-sandbox-abc-123_x.y');
    assert.equal(containerName('-abc'), undefined);
    assert.equal(containerName('a/b'), undefined);
  });

  it('always gives an explicit size', () => {
    assert.match(tmpfsOptions(1234, false), /(^|,)size=1234(,|$)/);
    assert.match(tmpfsOptions(1234, false), /(^|,)noexec(,|$)/);
  });
});
