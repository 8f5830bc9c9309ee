/**
 * The one real ContainerRuntime: Docker through dockerode.
 *
 * start = create (hardened options, files in the seed variables) → watch its
 * end on the runtime's one event stream (exit-events.ts) → attach (before
 * start: a TTY's first bytes arrive before `start()` returns and are not
 * replayed to a later attach) → start. A failure at any step removes what was
 * made and rethrows the first error, mapped to a SandboxError.
 */
import {Socket} from 'node:net';
import type {Duplex, Readable} from 'node:stream';
import Dockerode from 'dockerode';
import {systemClock, type Clock} from '../clock.js';
import {SandboxError} from '../errors.js';
import {deadline, raceSignal} from './abortable.js';
import {DockerSandboxContainer, removeContainer} from './docker-container.js';
import {engineStatus, isAlreadyDone, toSandboxError} from './docker-errors.js';
import {type EngineProbe, freshConnectionDocker, freshConnectionProbe} from './engine-shutdown.js';
import {type ExitEventSource, ExitEvents} from './exit-events.js';
import {clampSize, hardenedCreateOptions, SANDBOX_USER, WORKSPACE} from './hardening.js';
import {acquireInstanceLease, dockerLeaseEngine} from './lease.js';
import {buildSeed, checkCommand} from './seed.js';
import {
  type ContainerRuntime,
  type ContainerSpec,
  type EngineInfo,
  type ExecProcess,
  type ExecRequest,
  type InstanceLease,
  LABELS,
  type ReapFilter,
  type SandboxContainer,
} from './types.js';
import {WarmSandbox} from './warm.js';
import {warmCreateOptions, type WarmContainerRequest} from './warm-seed.js';

export interface DockerRuntimeOptions {
  /** Labels every container; `reap({instanceId})` finds this server's orphans. */
  instanceId: string;
  /** Default: the engine from DOCKER_HOST or the local socket. */
  docker?: Dockerode;
  /** Create (ms) before it counts as the engine failing. */
  createTimeout?: number;
  /** Attach + start (ms). */
  startTimeout?: number;
  /** For archive mtimes, a warm container's age and reap cut-offs. Default: systemClock. */
  clock?: Pick<Clock, 'now'>;
  /**
   * Asks whether the engine still accepts new connections, to tell a container
   * stopped by the engine's shutdown from a program's own exit. Default: a
   * /_ping over a fresh connection through `docker`'s transport.
   */
  probeEngine?: EngineProbe;
}

const DEFAULT_CREATE_TIMEOUT = 10_000;
const DEFAULT_START_TIMEOUT = 20_000;

export class DockerRuntime implements ContainerRuntime {
  readonly instanceId: string;
  readonly docker: Dockerode;
  readonly #createTimeout: number;
  readonly #startTimeout: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #probeEngine: EngineProbe;
  readonly #exits: ExitEvents;

  constructor(options: DockerRuntimeOptions) {
    this.instanceId = options.instanceId;
    this.docker = options.docker ?? new Dockerode();
    this.#createTimeout = options.createTimeout ?? DEFAULT_CREATE_TIMEOUT;
    this.#startTimeout = options.startTimeout ?? DEFAULT_START_TIMEOUT;
    this.#clock = options.clock ?? systemClock;
    this.#probeEngine = options.probeEngine ?? freshConnectionProbe(this.docker);
    this.#exits = new ExitEvents({source: engineExitSource(this.docker, this.instanceId)});
  }

  /** Containers whose end is watched now (one per live container). */
  get watchedCount(): number {
    return this.#exits.size;
  }

  /** Stops the event stream once no container of this runtime is watched any more. */
  async close(): Promise<void> {
    this.#exits.close();
  }

  async start(spec: ContainerSpec, options: {signal?: AbortSignal | undefined} = {}): Promise<SandboxContainer> {
    const {signal} = options;
    signal?.throwIfAborted();
    // Caps and paths are checked before anything exists on the engine.
    checkCommand(spec.cmd);
    const seed = buildSeed(spec.files, spec.env.limits, this.#clock.now());
    return this.#launch(hardenedCreateOptions(spec, this.instanceId, seed.env), spec.env.image, signal);
  }

  /**
   * Creates and starts a warm-pool container: the cold hardening,
   * the warm launcher as command. Resolves once the launcher waits for its
   * seed on stdin; a failure removes what it made.
   */
  async startWarm(request: WarmContainerRequest, options: {signal?: AbortSignal | undefined} = {}): Promise<WarmSandbox> {
    options.signal?.throwIfAborted();
    const container = await this.#launch(warmCreateOptions(request, this.instanceId), request.env.image, options.signal);
    return WarmSandbox.prepare(container, {timeoutMs: this.#startTimeout, signal: options.signal, clock: this.#clock});
  }

  /** Seeds a warm container for `spec` over its stdin (see WarmSandbox.take). */
  takeWarm(warm: WarmSandbox, spec: ContainerSpec, options: {signal?: AbortSignal | undefined} = {}): Promise<SandboxContainer> {
    return warm.take(spec, {timeoutMs: this.#startTimeout, signal: options.signal, limits: spec.env.limits, mtime: this.#clock.now()});
  }

  /** create → attach → start with timeouts; removes what it made on failure. */
  async #launch(createOptions: Dockerode.ContainerCreateOptions, image: string, signal: AbortSignal | undefined): Promise<DockerSandboxContainer> {
    // The event stream must be open before the container starts, or a quick
    // end could pass unseen; opened beside the create, not after it.
    const streamReady = this.#exits.ready();
    streamReady.catch(() => undefined);
    let container: Dockerode.Container;
    const createDeadline = deadline(this.#createTimeout, signal);
    try {
      // The create request itself is not aborted: the engine may complete a
      // create whose request was cut, leaving a container nobody knows. A late
      // result is removed instead.
      container = await raceSignal(this.docker.createContainer(createOptions), createDeadline.signal, (late) => {
        removeContainer(late).catch(() => undefined);
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toSandboxError(error, {operation: 'create container', image});
    } finally {
      createDeadline.clear();
    }

    const died = this.#exits.watch(container.id);
    let stream: Duplex | undefined;
    const startDeadline = deadline(this.#startTimeout, signal);
    const startSignal = startDeadline.signal;
    try {
      await raceSignal(streamReady, startSignal, () => undefined);
      // No abortSignal on attach: Node keeps a request's signal tied to its
      // socket, so a later timeout would cut the live terminal stream.
      stream = await raceSignal(
        container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true}) as Promise<Duplex>,
        startSignal,
        (late) => late.destroy(),
      );
      await container.start({abortSignal: startSignal});
      // The hijacked socket keeps the idle timer Node's global agent arms on
      // every socket (5 s): a terminal is often quiet for longer, nobody
      // listens for the event, and the timer is one more object per session
      // and a refresh per chunk (memory and CPU per session).
      if (stream instanceof Socket) stream.setTimeout(0);
      return new DockerSandboxContainer(container, stream, this.#probeEngine, died, this.#exits);
    } catch (error) {
      stream?.destroy();
      this.#exits.settle(container.id, -1);
      // Clean up without hiding the first error: a failed removal here is left
      // to the reaper (the container carries this instance's labels).
      await removeContainer(container).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      throw toSandboxError(error, {operation: 'start container', image});
    } finally {
      startDeadline.clear();
    }
  }

  /**
   * create → start (hijacked, attached before the process runs) of an exec in
   * a running container. The user and folder are fixed here, never taken
   * from the request: a step is the sandbox user in /workspace, as the
   * container's own command is.
   */
  async exec(containerId: string, request: ExecRequest, options: {signal?: AbortSignal | undefined} = {}): Promise<ExecProcess> {
    const {signal} = options;
    signal?.throwIfAborted();
    const container = this.docker.getContainer(containerId);
    const startDeadline = deadline(this.#startTimeout, signal);
    try {
      const exec = await raceSignal(
        container.exec({
          Cmd: request.argv,
          User: SANDBOX_USER,
          WorkingDir: WORKSPACE,
          Privileged: false,
          Tty: true,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          // The engine sizes the TTY before the process starts (no 0x0 at first).
          ConsoleSize: [clampSize(request.rows, 24), clampSize(request.cols, 80)],
        } as Dockerode.ExecCreateOptions),
        startDeadline.signal,
        () => undefined,
      );
      const stream = await raceSignal(
        exec.start({hijack: true, stdin: true, Tty: true}) as Promise<Duplex>,
        startDeadline.signal,
        (late) => late.destroy(),
      );
      // As for a container's stream: no idle timer on a quiet terminal.
      if (stream instanceof Socket) stream.setTimeout(0);
      stream.on('error', () => undefined);
      return new DockerExecProcess(exec, stream);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (engineStatus(error) === 404 || engineStatus(error) === 409) {
        throw new SandboxError('sandbox-lost', 'the environment\'s container is gone', {cause: error});
      }
      throw toSandboxError(error, {operation: 'exec in container'});
    } finally {
      startDeadline.clear();
    }
  }

  /** The instance lease (lease.ts) in the first of `images` the engine has. */
  async acquireLease(images: readonly string[]): Promise<InstanceLease> {
    for (const image of new Set(images)) {
      if (await this.hasImage(image)) return acquireInstanceLease(dockerLeaseEngine(this.docker), this.instanceId, image);
    }
    throw new SandboxError('image-missing', `none of the environment images (${[...new Set(images)].join(', ')}) is on the Docker engine to hold the instance lease; run \`docusaurus-sandbox images build\``);
  }

  async engine(): Promise<EngineInfo> {
    try {
      await this.docker.ping();
      const [version, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<{Runtimes?: Record<string, unknown>}>]);
      return {reachable: true, version: version.Version, runtimes: Object.keys(info.Runtimes ?? {}).sort()};
    } catch (error) {
      return {reachable: false, runtimes: [], error: toSandboxError(error, {operation: 'ping'}).message};
    }
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (error) {
      if (engineStatus(error) === 404) return false;
      throw toSandboxError(error, {operation: 'inspect image'});
    }
  }

  /**
   * Removes this project's containers that the filter selects. At least one of
   * the two is required: an empty filter would remove other servers' live
   * sessions on a shared engine.
   */
  async reap(filter: ReapFilter): Promise<number> {
    if (filter.instanceId === undefined && filter.olderThanMs === undefined) {
      throw new TypeError('reap() needs instanceId or olderThanMs');
    }
    const labels = [`${LABELS.project}=true`];
    if (filter.instanceId !== undefined) labels.push(`${LABELS.instance}=${filter.instanceId}`);
    let listed: Dockerode.ContainerInfo[];
    try {
      listed = await this.docker.listContainers({all: true, filters: {label: labels}});
    } catch (error) {
      throw toSandboxError(error, {operation: 'list containers'});
    }
    const now = this.#clock.now();
    const doomed = listed.filter((info) => {
      const labels = info.Labels ?? {};
      if (filter.spare?.({id: info.Id, labels}) === true) return false;
      if (filter.olderThanMs === undefined) return true;
      // A warm container's session began after it was made: allow the wait too.
      const warmFor = Number(labels[LABELS.warmFor] ?? 0);
      const allowance = filter.olderThanMs + (Number.isFinite(warmFor) && warmFor > 0 ? warmFor : 0);
      return info.Created <= (now - allowance) / 1000;
    });
    const results = await Promise.allSettled(doomed.map((info) => removeContainer(this.docker.getContainer(info.Id))));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined && results.every((result) => result.status === 'rejected')) throw failed.reason;
    return results.filter((result) => result.status === 'fulfilled').length;
  }
}

/** An exec's stream, resize and exit code (read once its stream has ended). */
class DockerExecProcess implements ExecProcess {
  #exitCode: Promise<number> | undefined;

  constructor(
    private readonly exec: Dockerode.Exec,
    readonly stream: Duplex,
  ) {}

  async resize(cols: number, rows: number): Promise<void> {
    try {
      await this.exec.resize({w: cols, h: rows});
    } catch (error) {
      if (!isAlreadyDone(error)) throw toSandboxError(error, {operation: 'resize exec'});
    }
  }

  exitCode(): Promise<number> {
    this.#exitCode ??= (async () => {
      await new Promise<void>((resolve) => {
        if (this.stream.destroyed || this.stream.readableEnded) return resolve();
        this.stream.once('end', () => resolve());
        this.stream.once('close', () => resolve());
      });
      // The engine marks the exec ended a moment after its stream ends.
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          const info = await this.exec.inspect();
          if (!info.Running) return info.ExitCode ?? -1;
        } catch {
          return -1;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return -1;
    })();
    return this.#exitCode;
  }
}

/**
 * The engine as the exit watcher needs it: `die` events of this instance's
 * containers, filtered by the engine, on a connection of their own.
 */
function engineExitSource(docker: Dockerode, instanceId: string): ExitEventSource {
  const label = `${LABELS.instance}=${instanceId}`;
  const fresh = freshConnectionDocker(docker);
  return {
    open: (signal) =>
      fresh.getEvents({filters: {type: ['container'], event: ['die'], label: [label]}, abortSignal: signal}) as Promise<Readable>,
    list: async () => {
      const listed = await docker.listContainers({all: true, filters: {label: [label]}});
      return listed.map((info) => ({id: info.Id, state: info.State}));
    },
    exitCode: async (id) => {
      const info = await docker.getContainer(id).inspect();
      return info.State.ExitCode ?? -1;
    },
  };
}
