/**
 * The start-up order that keeps one server from ever ending another's
 * sessions: bind the port, take the instance lease, only then reap the
 * instance's leftovers, then start the warm pools and let requests in. Any
 * failure on the way disposes what was made and ends the start with a
 * StartupError (or InstanceInUseError) whose message names the fix.
 */
import type {Server} from 'node:http';
import type {LogFunction} from '../log.js';
import {InstanceInUseError} from '../runtime/lease.js';
import type {ContainerRuntime, InstanceLease} from '../runtime/types.js';

export type StartupErrorCode = 'listen-failed' | 'admin-listen-failed' | 'redis-client-missing';

/** A start that cannot go on; the CLI prints the message and exits 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: {cause?: unknown},
  ) {
    super(message, options);
  }
}

export {InstanceInUseError};

/** The reason a listen failed, as an operator reads it. */
export function describeListenError(error: unknown, host: string, port: number): string {
  const where = `${host}:${port}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (is another server running on it?)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EINVAL':
      return `cannot listen on ${where}: ${host} is not an address of this machine`;
    default:
      return `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Listens, or rejects with a StartupError saying why not. */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: unknown) => reject(new StartupError('listen-failed', describeListenError(error, host, port), {cause: error}));
    server.once('error', onError);
    try {
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    } catch (error) {
      // A malformed port or host throws synchronously.
      server.off('error', onError);
      onError(error);
    }
  });
}

/**
 * Holds requests that arrive between the bind and the end of the start
 * (the reap, the pool's start) instead of serving them early: a session made
 * before the reap would carry this instance's label and be reaped with the
 * predecessor's leftovers.
 */
export class StartGate {
  #open = false;
  #waiting = new Set<{pass: () => void; drop: () => void}>();

  get isOpen(): boolean {
    return this.#open;
  }

  /** Runs `pass` now when open, else once opened; `drop` if the start fails. */
  through(pass: () => void, drop: () => void): void {
    if (this.#open) pass();
    else this.#waiting.add({pass, drop});
  }

  open(): void {
    this.#open = true;
    for (const waiter of this.#waiting) waiter.pass();
    this.#waiting.clear();
  }

  /** The start failed: every held request is dropped. */
  fail(): void {
    for (const waiter of this.#waiting) waiter.drop();
    this.#waiting.clear();
  }
}

export interface InstanceOwnershipOptions {
  runtime: ContainerRuntime;
  instanceId: string;
  /** Images the lease may run in (the environments'); the first present is used. */
  images: readonly string[];
  log: LogFunction;
}

/**
 * Whether this process may treat the instance id's containers as its own.
 * A runtime with no lease (a test double) always may, as before leases. A
 * lease that cannot be taken for a reason other than a live holder (the engine
 * away, no image yet) leaves the server running without ownership: it reaps
 * nothing by instance id and tries again at every `ensure()`.
 */
export class InstanceOwnership {
  readonly #options: InstanceOwnershipOptions;
  #lease: InstanceLease | undefined;
  #released = false;

  constructor(options: InstanceOwnershipOptions) {
    this.#options = options;
  }

  get owned(): boolean {
    return this.#options.runtime.acquireLease === undefined || this.#lease?.held === true;
  }

  /** Takes the lease; throws InstanceInUseError while a live server holds it. True when owned now. */
  async acquire(): Promise<boolean> {
    const {runtime, instanceId, images, log} = this.#options;
    if (runtime.acquireLease === undefined || this.owned) return this.owned;
    if (this.#released) return false;
    let lease: InstanceLease;
    try {
      lease = await runtime.acquireLease(images);
    } catch (error) {
      if (error instanceof InstanceInUseError) throw error;
      log('warn', 'the instance lease could not be taken; leftovers are not reaped until it is', {instanceId, error: String(error)});
      return false;
    }
    if (this.#released) {
      await lease.release().catch(() => undefined);
      return false;
    }
    this.#lease = lease;
    void lease.lost.then(() => {
      if (!this.#released && !lease.held) log('warn', 'the instance lease was lost (engine restarted?); taking it again at the next sweep', {instanceId});
    });
    return true;
  }

  /** Reaps this instance's leftovers if owned; logs the count. */
  async reapLeftovers(): Promise<number> {
    const {runtime, instanceId, log} = this.#options;
    if (!this.owned) return 0;
    const reaped = await runtime.reap({instanceId}).catch((error: unknown) => {
      log('warn', 'reaping leftover containers failed', {error: String(error)});
      return 0;
    });
    if (reaped > 0) log('info', 'removed leftover containers', {count: reaped, instanceId});
    return reaped;
  }

  /** For the sweep: takes a lost or never-taken lease again, then reaps. Never throws. */
  async ensure(): Promise<void> {
    if (this.owned || this.#released) return;
    try {
      if (await this.acquire()) await this.reapLeftovers();
    } catch (error) {
      this.#options.log('error', 'another live server holds this instance id now; its containers are left alone', {
        instanceId: this.#options.instanceId,
        error: String(error),
      });
    }
  }

  /**
   * For a shutdown: a lease this process held and lost (the engine restarted,
   * which also ends the lease container) is taken back, so the containers the
   * engine could not remove while it was away can still be removed. A lease
   * never held (a start refused because a live server holds the id) is left
   * alone. Never throws.
   */
  async reclaim(): Promise<void> {
    if (this.#lease === undefined || this.owned) return;
    await this.ensure();
  }

  /** Gives the lease back (last step of a shutdown). Idempotent. */
  async release(): Promise<void> {
    this.#released = true;
    const lease = this.#lease;
    this.#lease = undefined;
    await lease?.release().catch((error: unknown) => this.#options.log('warn', 'releasing the instance lease failed', {error: String(error)}));
  }
}
