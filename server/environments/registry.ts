/**
 * The environments of page sessions, one per reader and page session: who
 * may use one (its id and token), which steps have run in it, whether one
 * runs now (at most one at a time), and when it ends: `idleTimeout` with no
 * step running, `maxLifetime` after its start, a Reset (DELETE), its page
 * left for longer than the reconnect grace, or its container ending.
 *
 * An environment takes one admission slot for its whole life, however many
 * steps run in it; its steps' sessions take none. One registry per server.
 */
import {randomBytes} from 'node:crypto';
import type {CaughtUpStep, EnvironmentInfo, EnvironmentRef} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {ContainerRuntime, ContainerSpec, SandboxContainer} from '../runtime/types.js';
import type {Release} from '../sessions/admission.js';
import {Environment} from './environment.js';
import {KEEPER_COMMAND} from './step-launcher.js';

/** Issues and checks environment tokens (HMAC-signed like session tokens, bound to the id). */
export interface EnvironmentTokens {
  issue(id: string, ttlMs: number): string;
  verify(token: string, id: string): boolean;
}

/** One step as the registry runs it: its container spec and its own run time limit. */
export interface StepSpec {
  step: number;
  block: string;
  spec: Omit<ContainerSpec, 'sessionId'>;
  /** The step's run time limit (ms): a catch-up step that runs longer is stopped and counts as failed. */
  runTimeout: number;
}

export interface StepRequest {
  /** The page session's id. */
  session: string;
  /** This step. */
  step: StepSpec;
  /** The environment to run in; absent: a new one. */
  environment?: EnvironmentRef | undefined;
  /** Earlier steps to run first in a new environment (catch-up), in order. */
  catchUp?: readonly StepSpec[] | undefined;
  /** Takes the environment's one admission slot (a 429/503 SandboxError when full). */
  admit: () => Release;
}

export interface PreparedStep {
  /** What the step's session starts its "container" with. */
  runtime: Pick<ContainerRuntime, 'start'>;
  /** The environment as the POST answers it. */
  info: EnvironmentInfo;
  /** No session was made after all: frees the reservation (and ends an environment made for it). */
  cancel(): void;
}

export interface EnvironmentRegistryOptions {
  runtime: Pick<ContainerRuntime, 'start' | 'exec'>;
  clock: Clock;
  tokens: EnvironmentTokens;
  /** How long a left page's environment waits for it to come back (ms). */
  reconnectGrace: number;
  /** How long a standby step may take to be ready (ms). */
  standbyTimeout: number;
  /**
   * In a cluster, this gateway's `server.node`: environment ids then read
   * `env-<node>.<random>`, so a balancer (and any gateway) can tell from the id
   * alone which node holds the environment (see environmentNode).
   */
  node?: string | undefined;
  log?: LogFunction | undefined;
}

type EndReason = 'idle' | 'lifetime' | 'reset' | 'page-left' | 'container-ended' | 'start-failed' | 'shutdown';

interface Entry {
  readonly id: string;
  readonly token: string;
  readonly session: string;
  readonly envName: string;
  readonly ran: number[];
  running: number | undefined;
  readonly environment: Promise<Environment>;
  readonly release: Release;
  idleMs: number;
  timers: Partial<Record<'idle' | 'lifetime' | 'leave', TimerHandle>>;
  ended: boolean;
}

export class EnvironmentRegistry {
  readonly #options: EnvironmentRegistryOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #removals = new Set<Promise<void>>();
  #closing = false;

  constructor(options: EnvironmentRegistryOptions) {
    this.#options = options;
  }

  /** Environments alive now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Checks the request and reserves the environment for this step, at once:
   * a second step for a busy environment is refused here, before anything
   * starts. Throws SandboxError: `environment-not-found` (404, unknown or
   * ended), `environment-unauthorized` (401, a token that is not this
   * environment's), `environment-mismatch` (409, another page session's
   * block), `busy` (409, a step runs in it), or the admission's refusal.
   */
  prepare(request: StepRequest): PreparedStep {
    if (this.#closing) throw new SandboxError('at-capacity', 'the server is shutting down', {retryAfter: 5, expose: true});
    const entry = request.environment ? this.#lookup(request.environment) : this.#create(request);
    if (entry.session !== request.session) {
      throw new SandboxError('environment-mismatch', 'this environment belongs to another page session; run the block without it, or in its own');
    }
    const created = request.environment === undefined;
    if (entry.running !== undefined) {
      throw new SandboxError('busy', `step ${entry.running} is running in this environment; stop it, or wait until it ends`);
    }
    entry.running = request.step.step;
    this.#clear(entry, 'idle');
    this.#clear(entry, 'leave');
    const catchUp = request.environment ? [] : (request.catchUp ?? []);
    for (const earlier of catchUp) if (!entry.ran.includes(earlier.step)) entry.ran.push(earlier.step);
    if (!entry.ran.includes(request.step.step)) entry.ran.push(request.step.step);
    let started = false;
    const runtime: Pick<ContainerRuntime, 'start'> = {
      start: (spec, options) => {
        started = true;
        return this.#runStep(entry, spec, catchUp, options?.signal);
      },
    };
    const cancel = () => {
      if (started) return;
      started = true;
      if (created) void this.#end(entry, 'start-failed');
      else this.#stepEnded(entry);
    };
    return {runtime, info: this.#info(entry), cancel};
  }

  /**
   * The environment's state; throws as `prepare` does for a bad id or token.
   * It is the first request of a page that comes back (a reload asks before
   * the reader runs anything): a pending `leave` is cancelled.
   */
  describe(ref: EnvironmentRef): EnvironmentInfo {
    const entry = this.#lookup(ref);
    this.#clear(entry, 'leave');
    return this.#info(entry);
  }

  /** Reset: removes the environment and its container now; resolves when it is gone. */
  async remove(ref: EnvironmentRef): Promise<void> {
    const entry = this.#lookup(ref);
    await this.#end(entry, 'reset');
  }

  /** Its page went away: it ends unless a request for it comes within the reconnect grace. */
  left(ref: EnvironmentRef): void {
    const entry = this.#lookup(ref);
    this.#set(entry, 'leave', this.#options.reconnectGrace, () => void this.#end(entry, 'page-left'));
  }

  /** Ends every environment (server shutdown) and waits for their containers to go. Idempotent. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.#entries.values()].map((entry) => this.#end(entry, 'shutdown')));
    await Promise.allSettled([...this.#removals]);
  }

  #lookup(ref: EnvironmentRef): Entry {
    const entry = this.#entries.get(ref.id);
    // The token is checked against the id the reader named, existing or not,
    // so the answer's timing does not tell which ids exist.
    const valid = this.#options.tokens.verify(ref.token, ref.id);
    if (!entry || entry.ended) throw new SandboxError('environment-not-found', 'no such environment: it has ended or never existed; run the step without it');
    if (!valid || entry.token !== ref.token) throw new SandboxError('environment-unauthorized', 'the environment token is not valid for this environment');
    return entry;
  }

  #create(request: StepRequest): Entry {
    const release = request.admit();
    const {spec} = request.step;
    const id = `env-${this.#options.node ? `${this.#options.node}.` : ''}${randomBytes(16).toString('base64url')}`;
    const lifetime = spec.env.limits.maxLifetime;
    let entry: Entry;
    try {
      const token = this.#options.tokens.issue(id, lifetime);
      const environment = this.#startEnvironment(id, spec);
      entry = {
        id,
        token,
        session: request.session,
        envName: spec.envName,
        ran: [],
        running: undefined,
        environment,
        release,
        idleMs: spec.env.limits.idleTimeout,
        timers: {},
        ended: false,
      };
    } catch (error) {
      release();
      throw error;
    }
    this.#entries.set(id, entry);
    this.#set(entry, 'lifetime', lifetime, () => void this.#end(entry, 'lifetime'));
    entry.environment.then(
      (environment) => {
        if (entry.ended) return;
        void environment.ended.then(() => void this.#end(entry, 'container-ended'));
      },
      () => void this.#end(entry, 'start-failed'),
    );
    this.#options.log?.('info', 'environment created', {environment: id, env: spec.envName, session: request.session});
    return entry;
  }

  #startEnvironment(id: string, spec: StepSpec['spec']): Promise<Environment> {
    const {runtime} = this.#options;
    const exec = runtime.exec;
    if (!exec) throw new SandboxError('docker-unavailable', 'this server\'s runtime cannot run steps in an environment');
    const started = runtime.start({sessionId: id, envName: spec.envName, env: spec.env, files: [], cmd: KEEPER_COMMAND, interactive: false, cols: 80, rows: 24});
    const environment = started.then((container: SandboxContainer) => {
      const made = new Environment({
        container,
        runtime: spec.env.runtime,
        exec: (containerId, execRequest, options) => exec.call(runtime, containerId, execRequest, options),
        timeoutMs: this.#options.standbyTimeout,
        clock: this.#options.clock,
        log: this.#options.log,
      });
      made.prepareStandby();
      return made;
    });
    environment.catch(() => undefined);
    return environment;
  }

  async #runStep(entry: Entry, spec: ContainerSpec, catchUp: readonly StepSpec[], signal: AbortSignal | undefined): Promise<SandboxContainer> {
    try {
      const environment = await entry.environment;
      const caughtUp: CaughtUpStep[] = [];
      for (const earlier of catchUp) {
        signal?.throwIfAborted();
        caughtUp.push({step: earlier.step, block: earlier.block, code: await this.#catchUpStep(environment, earlier, spec, signal)});
      }
      return await environment.runStep(spec, {
        signal,
        onRemoved: () => this.#stepEnded(entry),
        ...(catchUp.length > 0 ? {preamble: [{type: 'catch-up', steps: caughtUp}]} : {}),
      });
    } catch (error) {
      this.#stepEnded(entry);
      throw error;
    }
  }

  /** Runs one earlier step with its output discarded; its exit code, or -1 when it overran its limit. */
  async #catchUpStep(environment: Environment, earlier: StepSpec, step: ContainerSpec, signal: AbortSignal | undefined): Promise<number> {
    // A terminal-only step is a shell for the reader to type into: nothing to run on their behalf.
    if (earlier.spec.interactive && earlier.spec.cmd === earlier.spec.env.shell) return 0;
    const container = await environment.runStep({...earlier.spec, sessionId: step.sessionId, cols: step.cols, rows: step.rows, interactive: false}, {signal});
    container.stream.resume();
    const clock = this.#options.clock;
    let timer: TimerHandle | undefined;
    const overran = new Promise<number>((resolve) => {
      timer = clock.setTimeout(() => resolve(-1), earlier.runTimeout);
    });
    try {
      return await Promise.race([container.exited.then((exit) => exit.code), overran]);
    } finally {
      clock.clearTimeout(timer);
      await container.remove();
    }
  }

  #stepEnded(entry: Entry): void {
    entry.running = undefined;
    if (entry.ended) return;
    this.#set(entry, 'idle', entry.idleMs, () => void this.#end(entry, 'idle'));
    entry.environment.then((environment) => environment.prepareStandby(), () => undefined);
  }

  #end(entry: Entry, reason: EndReason): Promise<void> {
    if (entry.ended) return Promise.resolve();
    entry.ended = true;
    for (const name of ['idle', 'lifetime', 'leave'] as const) this.#clear(entry, name);
    if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
    entry.release();
    this.#options.log?.('info', 'environment ended', {environment: entry.id, reason, steps: entry.ran.length});
    const removal = entry.environment.then(
      (environment) => environment.remove(),
      () => undefined,
    ).catch((error: unknown) => this.#options.log?.('warn', 'environment removal failed', {environment: entry.id, error: String(error)}));
    this.#removals.add(removal);
    void removal.finally(() => this.#removals.delete(removal));
    return removal;
  }

  #set(entry: Entry, name: 'idle' | 'lifetime' | 'leave', ms: number, action: () => void): void {
    this.#clear(entry, name);
    entry.timers[name] = this.#options.clock.setTimeout(action, ms);
  }

  #clear(entry: Entry, name: 'idle' | 'lifetime' | 'leave'): void {
    const timer = entry.timers[name];
    if (timer === undefined) return;
    this.#options.clock.clearTimeout(timer);
    delete entry.timers[name];
  }

  #info(entry: Entry): EnvironmentInfo {
    return {id: entry.id, token: entry.token, session: entry.session, ran: [...entry.ran], ...(entry.running === undefined ? {} : {running: entry.running})};
  }
}

/**
 * Environment tokens from the server's token signer: the same HMAC and
 * secret as session tokens, domain-separated (a session's token never names
 * an environment), valid for the environment's `maxLifetime` at most.
 */
export function environmentTokens(signer: {issue(id: string, ttlMs?: number): string; verify(token: string, id: string): boolean}): EnvironmentTokens {
  const subject = (id: string) => `environment:${id}`;
  return {
    issue: (id, ttlMs) => signer.issue(subject(id), ttlMs),
    verify: (token, id) => signer.verify(token, subject(id)),
  };
}
