/**
 * One running environment of a page session: the container (its lasting
 * process is the keeper, step-launcher.ts) and the steps run in it, one at a
 * time, each an exec with its own TTY. A standby step is started ahead of the
 * next Run, so a Run only writes its seed (warm-seed.ts) into a process that
 * already waits: no exec create + start + attach on the reader's click.
 *
 * Knows only the runtime seam (`SandboxContainer`, `ExecProcess`), so unit
 * tests drive it with scripted doubles.
 */
import type {Duplex} from 'node:stream';
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {ContainerExit, ContainerSpec, ExecProcess, ExecRequest, SandboxContainer} from '../runtime/types.js';
import {readUntilMarker} from '../runtime/warm.js';
import {buildWarmSeed, SEEDED_MARKER} from '../runtime/warm-seed.js';
import type {ServerMessage} from '../../protocol/index.js';
import {keeperKillLine, STEP_MARKER, stepArgv, type StepSignal} from './step-launcher.js';

export type ExecFunction = (containerId: string, request: ExecRequest, options?: {signal?: AbortSignal | undefined}) => Promise<ExecProcess>;

export interface EnvironmentOptions {
  /** The environment's container, running KEEPER_COMMAND. */
  container: SandboxContainer;
  /** The container's OCI runtime (`env.runtime`): it decides the step shell's job control (stepArgv). */
  runtime?: string | undefined;
  exec: ExecFunction;
  /** How long a standby may take to print its marker, and a seed to be read (ms). */
  timeoutMs: number;
  clock: {now(): number};
  log?: LogFunction | undefined;
}

const SIGNAL_NAMES: Record<'SIGINT' | 'SIGTERM' | 'SIGKILL', StepSignal> = {SIGINT: 'INT', SIGTERM: 'TERM', SIGKILL: 'KILL'};
/** How long a stopped step may take to end after SIGKILL before its stream is cut (ms). */
const STEP_END_WAIT_MS = 5_000;

export interface StepOptions {
  signal?: AbortSignal | undefined;
  /** Sent before the step's output on every attach (a catch-up's report). */
  preamble?: readonly ServerMessage[] | undefined;
  /** Called once when the step has been removed (its session let it go). */
  onRemoved?: (() => void) | undefined;
}

export class Environment {
  readonly #options: EnvironmentOptions;
  readonly #container: SandboxContainer;
  #standby: Promise<ExecProcess> | undefined;
  #removal: Promise<void> | undefined;
  /** Settles when the container ends (for any reason). */
  readonly ended: Promise<ContainerExit | undefined>;

  constructor(options: EnvironmentOptions) {
    this.#options = options;
    this.#container = options.container;
    // Nobody reads the keeper's terminal: let it flow, or a full buffer would stall it.
    this.#container.stream.resume();
    this.ended = this.#container.exited.then(
      (exit) => exit,
      () => undefined,
    );
  }

  get containerId(): string {
    return this.#container.id;
  }

  get fromPool(): boolean {
    return this.#container.fromPool === true;
  }

  get removed(): boolean {
    return this.#removal !== undefined;
  }

  /** Starts the next step's process now, so the next Run finds it waiting. */
  prepareStandby(): void {
    if (this.#removal || this.#standby) return;
    const standby = this.#startStep();
    this.#standby = standby;
    standby.catch((error: unknown) => {
      if (this.#standby === standby) this.#standby = undefined;
      if (!this.#removal) this.#options.log?.('warn', 'a standby step failed to start', {container: this.#container.id, error: String(error)});
    });
  }

  #startStep(signal?: AbortSignal): Promise<ExecProcess> {
    return (async () => {
      const process = await this.#options.exec(this.#container.id, {argv: stepArgv(this.#options.runtime), cols: 80, rows: 24}, {signal});
      try {
        const {after} = await readUntilMarker(process.stream, STEP_MARKER, {timeoutMs: this.#options.timeoutMs, signal});
        if (after.length > 0) process.stream.unshift(after);
      } catch (error) {
        process.stream.destroy();
        throw error;
      }
      return process;
    })();
  }

  /**
   * Runs `spec` as the next step: the standby takes the seed (its files, its
   * command, the terminal size) and the step's stream is handed over paused,
   * with its first bytes still in it. Throws SandboxError as a start does.
   */
  async runStep(spec: ContainerSpec, options: StepOptions = {}): Promise<SandboxContainer> {
    if (this.#removal) throw new SandboxError('environment-not-found', 'the environment has ended');
    const seed = buildWarmSeed({...spec, env: spec.env}, spec.env.limits, this.#options.clock.now());
    const standby = this.#standby ?? this.#startStep(options.signal);
    this.#standby = undefined;
    let process: ExecProcess;
    try {
      process = await standby;
    } catch {
      // A standby that failed (e.g. timed out while the machine was busy) is replaced once.
      process = await this.#startStep(options.signal);
    }
    try {
      const read = readUntilMarker(process.stream, SEEDED_MARKER, {timeoutMs: this.#options.timeoutMs, signal: options.signal});
      // One write: nothing may follow the payload before the marker (head -c over-reads).
      process.stream.write(seed.payload);
      const {before, after} = await read;
      const rest = before.length === 0 ? after : after.length === 0 ? before : Buffer.concat([before, after]);
      if (rest.length > 0) process.stream.unshift(rest);
    } catch (error) {
      process.stream.destroy();
      throw error;
    }
    return new StepContainer(this, process, options.preamble, options.onRemoved);
  }

  /** Signals the running step's process group through the keeper. */
  async signalStep(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (this.#removal) return;
    this.#container.stream.write(keeperKillLine(SIGNAL_NAMES[signal]));
  }

  /** Removes the container (every step in it ends). Idempotent. */
  remove(): Promise<void> {
    this.#removal ??= (async () => {
      const standby = this.#standby;
      this.#standby = undefined;
      standby?.then((process) => process.stream.destroy(), () => undefined);
      await this.#container.remove();
    })();
    return this.#removal;
  }
}

/**
 * A step as a session sees it: the seam of a container (its stream, resize,
 * signals, end), but removing it ends only the step's processes, never the
 * environment's container.
 */
class StepContainer implements SandboxContainer {
  readonly stream: Duplex;
  readonly exited: Promise<ContainerExit>;
  #ended = false;
  #removal: Promise<void> | undefined;

  constructor(
    private readonly environment: Environment,
    private readonly process: ExecProcess,
    readonly preamble: readonly ServerMessage[] | undefined,
    private readonly onRemoved: (() => void) | undefined,
  ) {
    this.stream = process.stream;
    this.exited = Promise.race([
      process.exitCode().then((code) => ({code, oomKilled: false})),
      // The container ending (OOM, a reader's `kill 1`, a Reset) ends the step too.
      environment.ended.then((exit) => {
        if (exit === undefined) throw new SandboxError('sandbox-lost', 'the environment\'s container was lost');
        return {code: exit.code, oomKilled: exit.oomKilled};
      }),
    ]).finally(() => {
      this.#ended = true;
    });
    this.exited.catch(() => undefined);
  }

  get id(): string {
    return this.environment.containerId;
  }

  get fromPool(): boolean {
    return false;
  }

  resize(cols: number, rows: number): Promise<void> {
    return this.process.resize(cols, rows);
  }

  kill(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    return this.environment.signalStep(signal);
  }

  /**
   * Ends the step if it still runs (SIGKILL to its process group: what it
   * started in the background in this step ends too) and waits for its end.
   * A step that has ended leaves its background processes running.
   */
  remove(): Promise<void> {
    this.#removal ??= (async () => {
      if (!this.#ended) {
        await this.environment.signalStep('SIGKILL');
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          this.exited.catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, STEP_END_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      this.stream.destroy();
    })().finally(() => this.onRemoved?.());
    return this.#removal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}
