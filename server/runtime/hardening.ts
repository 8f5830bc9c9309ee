/**
 * The one declarative place where a sandbox container's create options are
 * decided. Pure: from the spec, the server
 * instance id and the seed variables to dockerode's create options. Every
 * setting here is asserted by unit tests and, on the real engine, by
 * `docker inspect` in test/integration/hardening.test.ts. The reasons are in
 * site/docs/reference/security.md.
 */
import type Dockerode from 'dockerode';
import {
  COLS_VARIABLE,
  COMMAND_VARIABLE,
  LAUNCHER,
  ROWS_VARIABLE,
  SANDBOX_GID,
  SANDBOX_UID,
  SHELL_VARIABLE,
} from './seed.js';
import {type ContainerSpec, LABELS} from './types.js';

export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_GID}`;
export const WORKSPACE = '/workspace';

/** The whole environment of the container: nothing of the server's leaks in. */
export const BASE_ENV: readonly string[] = [
  'TERM=xterm-256color',
  `HOME=${WORKSPACE}`,
  'LANG=C.UTF-8',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'USER=sandbox',
];

/**
 * /dev/shm is one more writable tmpfs whose pages count against the memory
 * limit; Docker's default is 64 MiB. Few programs here need shared memory.
 */
export const SHM_SIZE = 8 * 1024 * 1024;

/** Seconds Docker waits after SIGTERM before SIGKILL on `stop`. */
export const STOP_TIMEOUT_SECONDS = 2;

/**
 * /workspace is mounted `exec`: Docker mounts --tmpfs noexec by default, and
 * readers expect `./script.sh` to run. noexec would not stop anything there
 * anyway (any interpreter runs any file). /tmp keeps Docker's noexec as a
 * cheap second line. Both nosuid,nodev. `size=` is always explicit: an unsized
 * tmpfs may take half the host's RAM and, counted against the memory cgroup,
 * turns a disk fill into an OOM with the data pinned (a 200 MB write under a
 * 128 MiB limit was OOM-killed and its memory stayed pinned; with `size=64m`
 * it stops cleanly with "No space left on device").
 * `uid`/`gid`/`mode` only matter for an operator image that lacks the folder:
 * for a folder that exists in the image Docker keeps the image's owner and
 * mode (moby#39466), which is why the bundled images create both with 1777.
 */
export function tmpfsOptions(size: number, exec: boolean): string {
  return [
    'rw',
    exec ? 'exec' : 'noexec',
    'nosuid',
    'nodev',
    `size=${size}`,
    `uid=${SANDBOX_UID}`,
    `gid=${SANDBOX_GID}`,
    'mode=1777',
  ].join(',');
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; other session ids get no name. */
const NAMEABLE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$/;

export function containerName(sessionId: string): string | undefined {
  return NAMEABLE.test(sessionId) ? `docusaurus-sandbox-${sessionId}` : undefined;
}

export function containerLabels(spec: Pick<ContainerSpec, 'sessionId' | 'envName'>, instanceId: string) {
  return {
    [LABELS.project]: 'true',
    [LABELS.instance]: instanceId,
    [LABELS.session]: spec.sessionId,
    [LABELS.env]: spec.envName,
  };
}

/** Terminal size within what a TTY accepts; junk becomes the 80x24 default. */
export function clampSize(value: number, fallback: number): number {
  if (!Number.isFinite(value) || value < 1) return fallback;
  return Math.min(Math.floor(value), 1000);
}

/**
 * Create options of a hardened sandbox container. `seedEnv` are the
 * `SANDBOX_SEED_*` variables from `buildSeed`.
 */
export function hardenedCreateOptions(
  spec: ContainerSpec,
  instanceId: string,
  seedEnv: readonly string[],
): Dockerode.ContainerCreateOptions {
  const {env} = spec;
  const {limits} = env;
  const name = containerName(spec.sessionId);
  const hostConfig: Dockerode.HostConfig = {
    // No capability at all: the sandbox user needs none, and root inside
    // (should it ever be reached) gains nothing from the bounding set.
    CapDrop: ['ALL'],
    CapAdd: [],
    Privileged: false,
    // setuid binaries in the image cannot raise privileges. Docker's default
    // seccomp profile stays on: no `seccomp=unconfined` is ever set.
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    Tmpfs: {
      [WORKSPACE]: tmpfsOptions(limits.workspaceSize, true),
      '/tmp': tmpfsOptions(limits.tmpSize, false),
    },
    ShmSize: SHM_SIZE,
    IpcMode: 'private',
    // Swap equal to memory means no swap: a memory bomb meets the OOM killer
    // instead of thrashing the host's disk.
    Memory: limits.memory,
    MemorySwap: limits.memory,
    NanoCpus: Math.round(limits.cpus * 1e9),
    PidsLimit: limits.pids,
    // A leak in the engine's OOM choice should hit a sandbox before the server.
    OomScoreAdj: 500,
    Ulimits: [
      {Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile},
      // Core dumps would land in /workspace and count against memory.
      {Name: 'core', Soft: 0, Hard: 0},
    ],
    // json-file writes every byte of output to the host disk (104 MB in 3 s of
    // `yes` at 0.5 CPU, read or not); attach still works without a log driver.
    LogConfig: {Type: 'none', Config: {}},
    // tini as PID 1 forwards signals (a PID 1 `sh` ignores SIGHUP/SIGINT) and
    // reaps zombies.
    Init: true,
    // Nothing of the host is ever mounted: no binds, no volumes, no devices,
    // and above all no Docker socket.
    Binds: [],
    Mounts: [],
    Devices: [],
    // Removal is explicit: AutoRemove would race the inspect that reads OOMKilled.
    AutoRemove: false,
    RestartPolicy: {Name: 'no', MaximumRetryCount: 0},
  };
  // With a network the engine's default applies (its bridge, when it has one).
  if (!env.network) hostConfig.NetworkMode = 'none';
  if (env.runtime !== undefined) hostConfig.Runtime = env.runtime;

  const variables = [
    ...BASE_ENV,
    `${COMMAND_VARIABLE}=${spec.cmd}`,
    `${COLS_VARIABLE}=${clampSize(spec.cols, 80)}`,
    `${ROWS_VARIABLE}=${clampSize(spec.rows, 24)}`,
    ...(spec.interactive ? [`${SHELL_VARIABLE}=${env.shell}`] : []),
    ...seedEnv,
  ];

  return {
    ...(name === undefined ? {} : {name}),
    Image: env.image,
    Hostname: 'sandbox',
    User: SANDBOX_USER,
    WorkingDir: WORKSPACE,
    // An empty Entrypoint clears the image's (e.g. docker-entrypoint.sh of an
    // operator's image), so the launcher is what runs.
    Entrypoint: [],
    Cmd: ['sh', '-c', LAUNCHER],
    Env: variables,
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    StopTimeout: STOP_TIMEOUT_SECONDS,
    Labels: containerLabels(spec, instanceId),
    ...(env.network ? {} : {NetworkDisabled: true}),
    HostConfig: hostConfig,
  };
}
