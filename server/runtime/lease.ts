/**
 * The instance lease: proof, held on the engine itself, that this process is
 * the one live server with its instance id, so reaping "this instance's
 * leftovers" can never end another live server's sessions.
 *
 * The lease is one tiny container per instance id:
 * - Its **name** is derived from the id, and the engine allows one container
 *   per name: two servers starting at once cannot both create it.
 * - It runs `read` on a stdin that is open only while the holder stays
 *   attached (`OpenStdin` + `StdinOnce`, no TTY): when the holder's attach
 *   connection closes for any reason (a clean release, a crash, `kill -9`),
 *   the engine closes the container's stdin, `read` ends and the container
 *   exits. So "running" means "its holder is alive", with no renewal timer and
 *   no clock shared between gateways.
 * - A successor that finds it running refuses to start (InstanceInUseError);
 *   one that finds it exited (or never started) removes that container by id
 *   and creates its own, and only then reaps.
 *
 * It carries LABELS.lease (not LABELS.project): no reap, by instance or by age,
 * ever selects it, and ExitEvents never watches it.
 */
import {createHash, randomBytes} from 'node:crypto';
import type {Duplex} from 'node:stream';
import type Dockerode from 'dockerode';
import {engineStatus, toSandboxError} from './docker-errors.js';
import {SANDBOX_USER} from './hardening.js';
import {type InstanceLease, LABELS} from './types.js';

/** What the lease needs of the engine (dockerLeaseEngine is the real one). */
export interface LeaseEngine {
  /** Resolves with the new container's id; rejects with HTTP 409 when the name is taken. */
  create(options: Dockerode.ContainerCreateOptions): Promise<string>;
  /** undefined when no container has that name or id. */
  inspect(nameOrId: string): Promise<{id: string; running: boolean} | undefined>;
  /** Force-removes; a container already gone is fine. */
  remove(id: string): Promise<void>;
  /** Attaches to stdin (before start, so the start cannot outrun the attach), then starts. */
  attachAndStart(id: string): Promise<Duplex>;
}

/** Another live process holds this instance id. */
export class InstanceInUseError extends Error {
  override readonly name = 'InstanceInUseError';
  readonly code = 'instance-in-use';
  constructor(
    readonly instanceId: string,
    readonly leaseName: string,
  ) {
    super(
      `instance id "${instanceId}" is held by a running server (its lease container ${leaseName} is running): ` +
        'stop that server first, or give this one another server.instanceId (SANDBOX_INSTANCE_ID). ' +
        `If no server with this id runs any more, remove the lease with \`docker rm -f ${leaseName}\``,
    );
  }
}

/** Engine container names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; a hash of the exact id keeps ids that sanitise alike apart. */
export function leaseName(instanceId: string): string {
  const readable = instanceId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 60);
  const digest = createHash('sha256').update(instanceId).digest('hex').slice(0, 12);
  return `docusaurus-sandbox-lease-${readable}-${digest}`;
}

/** The lease container: does nothing, can do nothing, costs next to nothing. */
export function leaseCreateOptions(instanceId: string, image: string): Dockerode.ContainerCreateOptions {
  return {
    name: leaseName(instanceId),
    Image: image,
    Entrypoint: [],
    // Ends when stdin closes, i.e. when the holder's attach connection does.
    Cmd: ['sh', '-c', 'read -r line'],
    User: SANDBOX_USER,
    Tty: false,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: false,
    AttachStderr: false,
    NetworkDisabled: true,
    Labels: {[LABELS.lease]: instanceId, [LABELS.leaseHolder]: randomBytes(8).toString('hex')},
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 16 * 1024 * 1024,
      MemorySwap: 16 * 1024 * 1024,
      PidsLimit: 8,
      NanoCpus: 50_000_000,
      LogConfig: {Type: 'none', Config: {}},
      AutoRemove: false,
      RestartPolicy: {Name: 'no', MaximumRetryCount: 0},
    },
  };
}

/** Attempts at taking over a stale lease before giving up (another successor keeps winning). */
const TAKEOVER_ATTEMPTS = 3;

/**
 * Takes the lease for `instanceId`, or throws InstanceInUseError while a live
 * process holds it. Engine failures are thrown as SandboxErrors.
 */
export async function acquireInstanceLease(engine: LeaseEngine, instanceId: string, image: string): Promise<InstanceLease> {
  const options = leaseCreateOptions(instanceId, image);
  const name = options.name!;
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    let id: string;
    try {
      id = await engine.create(options);
    } catch (error) {
      if (engineStatus(error) !== 409) throw toSandboxError(error, {operation: 'create the instance lease', image});
      const existing = await engine.inspect(name);
      if (existing === undefined) continue;
      if (existing.running) throw new InstanceInUseError(instanceId, name);
      // Its holder is gone (the container exited when its attach closed):
      // removed by id, so a lease a racing successor just made is never hit by name.
      await engine.remove(existing.id);
      continue;
    }
    let stream: Duplex;
    try {
      stream = await engine.attachAndStart(id);
    } catch (error) {
      await engine.remove(id).catch(() => undefined);
      throw toSandboxError(error, {operation: 'start the instance lease', image});
    }
    return new HeldLease(instanceId, name, id, stream, engine);
  }
  throw new InstanceInUseError(instanceId, name);
}

class HeldLease implements InstanceLease {
  readonly lost: Promise<void>;
  #held = true;
  #released: Promise<void> | undefined;

  constructor(
    readonly instanceId: string,
    readonly name: string,
    private readonly containerId: string,
    private readonly stream: Duplex,
    private readonly engine: LeaseEngine,
  ) {
    // A reset engine socket emits 'error'; unheard, that would end the process.
    stream.on('error', () => undefined);
    // Held open, never read: nothing is written on it. Not a reason to keep a
    // closing process alive.
    (stream as Duplex & {unref?: () => void}).unref?.();
    this.lost = new Promise<void>((resolve) => {
      const end = () => {
        if (this.#released === undefined) this.#held = false;
        resolve();
      };
      stream.once('close', end);
      stream.once('end', end);
    });
  }

  get held(): boolean {
    return this.#held;
  }

  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#held = false;
      this.stream.destroy();
      await this.engine.remove(this.containerId);
    })();
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/** The lease's view of a real engine. */
export function dockerLeaseEngine(docker: Dockerode): LeaseEngine {
  return {
    create: async (options) => (await docker.createContainer(options)).id,
    inspect: async (nameOrId) => {
      try {
        const info = await docker.getContainer(nameOrId).inspect();
        return {id: info.Id, running: info.State.Running === true};
      } catch (error) {
        if (engineStatus(error) === 404) return undefined;
        throw toSandboxError(error, {operation: 'inspect the instance lease'});
      }
    },
    remove: async (id) => {
      try {
        await docker.getContainer(id).remove({force: true, v: true});
      } catch (error) {
        if (engineStatus(error) !== 404 && engineStatus(error) !== 409) throw toSandboxError(error, {operation: 'remove the instance lease'});
      }
    },
    attachAndStart: async (id) => {
      const container = docker.getContainer(id);
      const stream = (await container.attach({stream: true, stdin: true, stdout: false, stderr: false, hijack: true})) as Duplex;
      try {
        await container.start();
      } catch (error) {
        stream.destroy();
        throw error;
      }
      return stream;
    },
  };
}
