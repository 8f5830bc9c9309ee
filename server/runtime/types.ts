/**
 * The seam between sessions and Docker. Sessions, streaming and HTTP code use
 * only these types; `DockerRuntime` (dockerode) is the one real implementation
 * and unit tests use scripted doubles.
 */
import type {Duplex} from 'node:stream';
import type {EnvironmentConfig} from '../../config/index.js';
import type {ServerMessage} from '../../protocol/index.js';

export interface SeedFile {
  /** Relative POSIX path inside /workspace, already validated (checkFilePath). */
  path: string;
  content: string;
}

export interface ContainerSpec {
  sessionId: string;
  /** Environment name, for labels and logs. */
  envName: string;
  env: EnvironmentConfig;
  files: SeedFile[];
  cmd: string;
  /** Stay in the environment's shell after `cmd` ends. */
  interactive: boolean;
  cols: number;
  rows: number;
}

export interface ContainerExit {
  /** Exit code of the container's main process (128+N when killed by signal N). */
  code: number;
  /** Docker's State.OOMKilled: a child killed by OOM leaves code 0. */
  oomKilled: boolean;
}

/** A started sandbox container. Disposing it removes the container; twice is harmless. */
export interface SandboxContainer extends AsyncDisposable {
  readonly id: string;
  /**
   * True when it was taken from a warm pool (started before the session asked
   * for it): its time to first byte is a take, not a container start.
   */
  readonly fromPool?: boolean;
  /**
   * The raw TTY stream: read the terminal's bytes from it, write keystrokes to
   * it. Attached before start, so no early byte is lost. Pause it for backpressure.
   * It may be handed over paused (a warm container's is, with its first bytes
   * still in it): a consumer calls `resume()` or pipes it.
   */
  readonly stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Sends a signal to the container's process (tini forwards it to the command). */
  kill(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * Resolves once when the container exits. Rejects with SandboxError
   * 'sandbox-lost' when the engine goes away before telling, or stopped the
   * container itself on its way down (daemon restart: exit 143 while the
   * engine takes no new connection); an unobserved rejection never crashes
   * the process.
   */
  readonly exited: Promise<ContainerExit>;
  /** Force-removes the container. Idempotent. */
  remove(): Promise<void>;
  /**
   * Messages the session sends before the container's output, on every
   * attach (a catch-up step names the steps that ran first). Usually absent.
   */
  readonly preamble?: readonly ServerMessage[];
}

/**
 * A second process in a running container, with its own TTY (a step of a
 * page session). It runs as the sandbox user under the container's own
 * hardening: an exec can neither add a capability nor leave the container's
 * cgroup, seccomp profile or namespaces.
 */
export interface ExecProcess {
  /** The raw TTY stream, as a container's. */
  readonly stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /**
   * Resolves with the process's exit code once it has ended (its stream
   * ended first); -1 when the engine cannot say (the container went away).
   */
  exitCode(): Promise<number>;
}

export interface EngineInfo {
  reachable: boolean;
  version?: string;
  runtimes: string[];
  error?: string;
}

export interface ContainerRuntime {
  /**
   * Create, attach, start: resolves when the command is running with its files
   * in /workspace. Throws SandboxError before any container exists for files
   * over the caps ('too-large', 'too-many-files', 'bad-path'); 'image-missing'
   * or 'docker-unavailable' (also on create/start timeouts) otherwise, after
   * removing whatever it made. An aborted `signal` rejects with its reason.
   */
  start(spec: ContainerSpec, options?: {signal?: AbortSignal}): Promise<SandboxContainer>;
  engine(): Promise<EngineInfo>;
  hasImage(image: string): Promise<boolean>;
  /**
   * Removes containers labelled as this project's that `filter` selects
   * (e.g. this instance's orphans, or any older than a cut-off). Returns how many.
   */
  reap(filter: ReapFilter): Promise<number>;
  /**
   * Stops background work (a warm pool's filling) and removes the containers
   * the runtime holds that no session owns. Sessions' containers are theirs to
   * remove. Idempotent; optional (a runtime without a pool has nothing to do).
   */
  close?(): Promise<void>;
  /**
   * Starts background work that makes containers (a warm pool's filling).
   * The server calls it once it owns its instance id and has reaped its
   * predecessor's leftovers, never before. Optional.
   */
  startBackground?(): void;
  /**
   * Takes the engine-side lease on this runtime's instance id (lease.ts),
   * using the first of `images` present on the engine; throws
   * InstanceInUseError while another live process holds it. Optional: a
   * runtime without one (a test double) is its instance's only user.
   */
  acquireLease?(images: readonly string[]): Promise<InstanceLease>;
  /**
   * Runs `argv` in the running container `containerId` as the sandbox user in
   * /workspace, with a TTY of `cols`×`rows`, attached before it starts.
   * Throws SandboxError ('sandbox-lost' when the container is gone,
   * 'docker-unavailable' otherwise). Optional: page sessions need it.
   */
  exec?(containerId: string, request: ExecRequest, options?: {signal?: AbortSignal | undefined}): Promise<ExecProcess>;
}

export interface ExecRequest {
  argv: string[];
  cols: number;
  rows: number;
}

/** Held by the one live server with an instance id (lease.ts). */
export interface InstanceLease extends AsyncDisposable {
  readonly instanceId: string;
  /** The lease container's name (what an operator removes by hand if ever needed). */
  readonly name: string;
  /** False once released or lost. */
  readonly held: boolean;
  /** Settles when the lease ends without release() (the engine stopped its container). */
  readonly lost: Promise<void>;
  /** Detaches and removes the lease container. Idempotent. */
  release(): Promise<void>;
}

export interface ReapFilter {
  instanceId?: string;
  /**
   * Containers created longer ago than this (ms); a warm-pool container is
   * allowed its `warmFor` label on top, since its session started later.
   */
  olderThanMs?: number;
  /** Containers to keep although selected (e.g. a live warm pool's own). */
  spare?: (container: {id: string; labels: Readonly<Record<string, string>>}) => boolean;
}

/** Labels on every container this project creates. */
export const LABELS = {
  project: 'io.docusaurus-sandbox',
  instance: 'io.docusaurus-sandbox.instance',
  session: 'io.docusaurus-sandbox.session',
  env: 'io.docusaurus-sandbox.env',
  /**
   * Warm-pool containers only: the pool (one per runtime object) that made
   * it. A restarted server with the same instance id reaps its predecessor's
   * pool but spares its own.
   */
  pool: 'io.docusaurus-sandbox.pool',
  /**
   * Warm-pool containers only: how long (ms) it may wait warm before a session
   * takes it. The session's lifetime starts at take, so the age-based sweep
   * allows this much more for such a container.
   */
  warmFor: 'io.docusaurus-sandbox.warm-for',
  /**
   * The instance lease container only (lease.ts), with the instance id as
   * value. Deliberately not LABELS.project: no reap ever selects it.
   */
  lease: 'io.docusaurus-sandbox.lease',
  /** The lease container only: a random token of the start that holds it. */
  leaseHolder: 'io.docusaurus-sandbox.lease-holder',
} as const;
