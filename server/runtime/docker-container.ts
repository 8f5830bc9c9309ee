/**
 * A started sandbox container as DockerRuntime hands it out: its TTY stream,
 * resize and kill, and its end as the engine reports it (the exit code from
 * the runtime's event stream, the OOM flag from an inspect, and a stop-signal
 * exit nobody asked for told apart from the engine's own shutdown).
 */
import type {Duplex} from 'node:stream';
import type Dockerode from 'dockerode';
import {SandboxError} from '../errors.js';
import {isAlreadyDone, isUnreachable, toSandboxError} from './docker-errors.js';
import {ENGINE_PROBE_TIMEOUT_MS, type EngineProbe, type EngineReachability, isEngineGone, mayBeEngineStop} from './engine-shutdown.js';
import type {ExitEvents} from './exit-events.js';
import type {ContainerExit, SandboxContainer} from './types.js';

/** Signals a sandbox may receive, as the engine's kill endpoint names them. */
type Signal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';

/** Removes a container, tolerating "already gone" and "removal in progress". */
export async function removeContainer(container: Dockerode.Container): Promise<void> {
  try {
    await container.remove({force: true, v: true});
  } catch (error) {
    if (!isAlreadyDone(error)) throw toSandboxError(error, {operation: 'remove container'});
  }
}

export class DockerSandboxContainer implements SandboxContainer {
  readonly id: string;
  readonly stream: Duplex;
  readonly exited: Promise<ContainerExit>;
  #removal: Promise<void> | undefined;
  /** This server asked for the end (kill or remove): a stop-signal exit is then ours, not the engine's. */
  #stopRequested = false;

  constructor(
    private readonly container: Dockerode.Container,
    stream: Duplex,
    private readonly probeEngine: EngineProbe,
    /** The container's exit code, from the runtime's event stream (watched since its create). */
    private readonly died: Promise<number>,
    private readonly exits: ExitEvents,
  ) {
    this.id = container.id;
    this.stream = stream;
    // A reset engine socket emits 'error'; unheard, that would crash the whole
    // process. The end of the session is reported through `exited` instead.
    stream.on('error', () => undefined);
    this.exited = this.#watchExit();
    // A caller that never awaits `exited` (e.g. after remove()) must not crash
    // the process with an unhandled rejection; awaiting it still sees the error.
    this.exited.catch(() => undefined);
  }

  /**
   * The `die` event gives the code; an inspect then gives the state (the OOM
   * flag), and a stop-signal exit nobody asked for is checked against an
   * engine shutdown. `died` rejects with sandbox-lost when the engine went away.
   */
  async #watchExit(): Promise<ContainerExit> {
    const code = await this.died;
    // Asked at once, beside the probe: a probe that finds the engine gone must
    // not wait for an inspect that may hang on a connection nobody accepts.
    const inspected = this.container.inspect();
    // Heard at once so a failure during the probe is not an unhandled
    // rejection; awaiting `inspected` below still sees it.
    inspected.catch(() => undefined);
    if (mayBeEngineStop(code, this.#stopRequested)) {
      // A daemon going down closes its API before stopping containers, yet keeps
      // serving connections already open: the inspect below would still answer
      // over a kept-alive socket. Only a new connection tells (engine-shutdown.ts).
      // An inspect that reports an OOM kill settles it first: an engine's own
      // stop is never one (under gVisor a memory bomb ends the sandbox with 137).
      const oomKilled = inspected.then(
        (info) => info.State.OOMKilled === true,
        () => false,
      );
      const reachability = await Promise.race([
        this.#probeTwiceIfSilent(),
        oomKilled.then((oom) => (oom ? ('answering' as const) : new Promise<never>(() => undefined))),
      ]);
      if (isEngineGone(reachability)) {
        const how = reachability === 'silent' ? `not answered within ${ENGINE_PROBE_TIMEOUT_MS} ms` : 'refused';
        throw new SandboxError('sandbox-lost', `the engine stopped the container on its way down (exit ${code}; a new connection was ${how})`);
      }
    }
    // A child killed by the OOM killer leaves exit code 0; only the state tells.
    try {
      const info = await inspected;
      return {code: info.State.ExitCode ?? code, oomKilled: info.State.OOMKilled === true};
    } catch (error) {
      // An engine already gone when the exit is inspected (whatever the code,
      // e.g. a program that ended 0 as the daemon went down) lost the sandbox.
      if (isUnreachable(error)) {
        throw new SandboxError('sandbox-lost', `the engine went away as the container ended (${String(error)})`, {cause: error});
      }
      return {code, oomKilled: false};
    }
  }

  /**
   * A loaded engine may leave one /_ping unanswered for a second; one that is
   * going down (socket-activated) leaves every new connection unanswered.
   */
  async #probeTwiceIfSilent(): Promise<EngineReachability> {
    const probe = () => this.probeEngine(ENGINE_PROBE_TIMEOUT_MS).catch(() => 'unknown' as const);
    const first = await probe();
    return first === 'silent' ? probe() : first;
  }

  async resize(cols: number, rows: number): Promise<void> {
    try {
      await this.container.resize({w: cols, h: rows});
    } catch (error) {
      if (!isAlreadyDone(error)) throw toSandboxError(error, {operation: 'resize'});
    }
  }

  async kill(signal: Signal): Promise<void> {
    this.#stopRequested = true;
    try {
      await this.container.kill({signal});
    } catch (error) {
      if (!isAlreadyDone(error)) throw toSandboxError(error, {operation: 'kill'});
    }
  }

  remove(): Promise<void> {
    this.#removal ??= (async () => {
      this.#stopRequested = true;
      this.stream.destroy();
      await removeContainer(this.container);
      // Gone without a `die` heard (e.g. a removal that raced its start):
      // the force-removal killed it.
      this.exits.settle(this.id, 128 + 9);
    })();
    return this.#removal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}
