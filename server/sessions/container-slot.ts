/**
 * The one container a session holds: its start, the two things the session
 * waits for from it, and its removal (once, whenever it is asked for; a start
 * still in flight removes what it lands with, since nobody wants it any more).
 */
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {ContainerExit, ContainerRuntime, ContainerSpec, SandboxContainer} from '../runtime/types.js';

/**
 * The end of the output stream and the engine's exit report arrive in either
 * order (output held back by a slow client ends after the exit), so each is
 * passed on as it comes and the session's phase decides what it means.
 */
export interface ContainerWatcher {
  /** The stream ended, closed or failed (called at least once, possibly more). */
  outputEnded(): void;
  exited(exit: ContainerExit): void;
  /** Waiting for the exit failed: the container is lost. */
  lost(error: SandboxError): void;
}

export class ContainerSlot {
  #container: SandboxContainer | undefined;
  /** The terminal size the client last asked for (applied once the container runs). */
  #size: {cols: number; rows: number} | undefined;
  /** Settles once a start in flight has landed (or failed). */
  #landing: Promise<void> | undefined;
  #removal: Promise<void> | undefined;

  constructor(
    private readonly runtime: Pick<ContainerRuntime, 'start'>,
    private readonly log: LogFunction = () => {},
  ) {}

  get current(): SandboxContainer | undefined {
    return this.#container;
  }

  /** Whether removal has been asked for. */
  get removing(): boolean {
    return this.#removal !== undefined;
  }

  /**
   * Starts the container. Resolves with it, or with undefined when removal was
   * asked for meanwhile (then it is removed before this resolves). Rejects as
   * the runtime does.
   */
  start(spec: ContainerSpec, signal: AbortSignal): Promise<SandboxContainer | undefined> {
    const landed = this.land(spec, signal);
    this.#landing = landed.then(
      () => {},
      () => {},
    );
    return landed;
  }

  private async land(spec: ContainerSpec, signal: AbortSignal): Promise<SandboxContainer | undefined> {
    const container = await this.runtime.start(spec, {signal});
    if (this.#removal) {
      await container.remove().catch(() => {});
      return undefined;
    }
    this.#container = container;
    if (this.#size && (this.#size.cols !== spec.cols || this.#size.rows !== spec.rows)) this.resize(this.#size.cols, this.#size.rows);
    return container;
  }

  watch(watcher: ContainerWatcher): void {
    const container = this.#container;
    if (!container) return;
    const outputEnded = () => watcher.outputEnded();
    container.stream.on('end', outputEnded);
    container.stream.on('close', outputEnded);
    container.stream.on('error', (error) => {
      this.log('warn', 'container stream error', {error: String(error)});
      outputEnded();
    });
    container.exited.then(
      (exit) => watcher.exited(exit),
      (error: unknown) => watcher.lost(new SandboxError('sandbox-lost', 'waiting for the container failed', {cause: error})),
    );
  }

  /** Signals the container's process; a failure (already gone) goes to `onError`. */
  kill(signal: 'SIGTERM' | 'SIGKILL', onError: (error: unknown) => void = () => {}): void {
    this.#container?.kill(signal).catch(onError);
  }

  /**
   * Lets the container's output flow into nothing (once nobody forwards it).
   * The engine reports a container as exited only once its attached output has
   * been copied out, so a paused stream would keep a killed container from ending.
   */
  letOutputFlow(): void {
    this.#container?.stream.resume();
  }

  /** Resizes the terminal now, or once the container runs. */
  resize(cols: number, rows: number): void {
    this.#size = {cols, rows};
    this.#container?.resize(cols, rows).catch(() => {});
  }

  /** Removes the container (once); resolves when it is gone. */
  remove(): Promise<void> {
    if (this.#removal) return this.#removal;
    const container = this.#container;
    if (!container) {
      // A start in flight removes its own container when it lands (see land()).
      this.#removal = (this.#landing ?? Promise.resolve()).then(() => this.#container?.remove().catch(() => {}));
      return this.#removal;
    }
    this.#removal = container.remove().catch((error: unknown) => {
      this.log('warn', 'container removal failed', {error: String(error), container: container.id});
    });
    return this.#removal;
  }
}
