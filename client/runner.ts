/**
 * What Run, Stop and the terminal do for one block, framework-free: load the
 * terminal once, reuse it for later runs, run live or play the block's
 * recording (recorded-only site, or a backend that cannot be reached), keep
 * the page's live-sandbox registry up to date and carry the reader's input to
 * the session. A UI binds it to its components (the theme's hook is one) and
 * renders the `RunnerView` it reports. Disposable.
 */
import type {CreateSessionRequest} from '../protocol/index.js';
import {playTranscript, transcripts as pageTranscripts, transcriptsUrl, type Playback} from './recorded.js';
import {liveSandboxes, type LiveSandboxRegistry} from './registry.js';
import {SandboxSession} from './session.js';
import {isLive} from './status.js';
import {modeForChoice, planAfterRefusal, planStep, stepRequest, type StepChoice, type StepMode} from './steps.js';
import {globalTimers, type Timers} from './timers.js';

import type {RunnerOptions, RunnerTerminal, RunnerView, TerminalInput} from './runner-types.js';

export type {RecordedOptions, RunnerOptions, RunnerTerminal, RunnerView, SessionTransport, TerminalInput} from './runner-types.js';

/** How long "stop my other sandboxes and run this one" waits for the others to end before it runs anyway. */
export const STOP_OTHERS_WAIT_MS = 4000;
const STOP_OTHERS_POLL_MS = 100;
const encoder = new TextEncoder();
const HIDE_CURSOR = encoder.encode('\x1b[?25l');

export class SandboxRunner {
  readonly #options: RunnerOptions;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #registry: LiveSandboxRegistry;
  #view: RunnerView = {status: {state: 'idle'}, terminalShown: false};
  #terminal: RunnerTerminal | undefined;
  #session: SandboxSession | undefined;
  #playback: Playback | undefined;
  #unregister: (() => void) | undefined;
  #waitTimer: unknown;
  /** Ends this block's claim on the page session's environment (see `EnvironmentStore.claim`). */
  #releaseStep: (() => void) | undefined;
  readonly #stopWatchingReset: (() => void) | undefined;
  /** Bumped by every Run and by dispose: work of an older run checks it and gives up. */
  #run = 0;
  #disposed = false;

  /** Stable callbacks for the terminal: input always goes to the current session. */
  readonly input: TerminalInput = {
    onData: (data) => this.#session?.write(data),
    onBinary: (data) => this.#session?.writeBinary(data),
    onResize: (cols, rows) => this.#session?.resize(cols, rows),
  };

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? globalTimers;
    this.#now = options.now ?? (() => Date.now());
    this.#registry = options.registry ?? liveSandboxes;
    this.#stopWatchingReset = options.step?.store.onReset(() => this.#environmentReset());
  }

  /** What the owner's share calls need (see SandboxSession.shareAccess); undefined without a live session. */
  get shareAccess(): SandboxSession['shareAccess'] {
    return isLive(this.#view.status) ? this.#session?.shareAccess : undefined;
  }

  get view(): RunnerView {
    return this.#view;
  }

  /**
   * Starts a run (live or recorded), replacing the current one. A page
   * session's step whose earlier steps have not run in the environment only
   * shows the offer (see `runStep`).
   */
  run(files?: CreateSessionRequest['files']): void {
    if (this.#disposed) return;
    const step = this.#options.step;
    if (!step || this.#options.recorded.recordedOnly) {
      this.#begin(files, undefined);
      return;
    }
    const plan = planStep(step.number, step.store.environment);
    if (plan.action === 'offer') this.#update({offer: plan.missing});
    else this.#begin(files, plan.mode);
  }

  /** The reader's answer to the offer: run the earlier steps first (a new environment), or this step only. */
  runStep(choice: StepChoice, files?: CreateSessionRequest['files']): void {
    const step = this.#options.step;
    if (this.#disposed) return;
    if (!step) {
      this.run(files);
      return;
    }
    const mode = modeForChoice(choice, step.store.environment);
    if (mode !== 'catch-up' || !step.store.environment) {
      this.#begin(files, mode);
      return;
    }
    // A catch-up starts over in a new environment: the old one goes first, so it holds no slot of the reader's.
    void step.store.reset().then(() => this.#begin(files, mode));
  }

  /** Reset environment: every step block of the page session returns to idle and the server removes the environment. */
  resetEnvironment(): void {
    void this.#options.step?.store.reset();
  }

  stop(): void {
    this.#session?.stop();
    this.#terminal?.focus();
  }

  /** Stops the reader's other sandboxes on this page, then runs this one once the server can have freed a slot. */
  stopOthersAndRun(files?: CreateSessionRequest['files']): void {
    const {blockId} = this.#options;
    this.#registry.stopOthers(blockId);
    // The server frees a slot when the stopped program has exited; wait for that (bounded).
    const deadline = this.#now() + STOP_OTHERS_WAIT_MS;
    const waitThenRun = () => {
      if (this.#disposed) return;
      if (this.#registry.others(blockId).length === 0 || this.#now() > deadline) this.run(files);
      else this.#waitTimer = this.#timers.setTimeout(waitThenRun, STOP_OTHERS_POLL_MS);
    };
    this.#timers.clearTimeout(this.#waitTimer);
    waitThenRun();
  }

  /** A key of the on-screen key bar. */
  sendKey(sequence: string): void {
    this.#session?.write(sequence);
    this.#terminal?.focus();
  }

  /** Ends the run (the session is killed) and forgets the terminal; the terminal itself is the caller's. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#run += 1;
    this.#timers.clearTimeout(this.#waitTimer);
    this.#stopWatchingReset?.();
    this.#endCurrent();
    this.#terminal = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #current(thisRun: number): boolean {
    return thisRun === this.#run;
  }

  #update(change: Partial<RunnerView>): void {
    const next: {-readonly [Key in keyof RunnerView]: RunnerView[Key]} = {...this.#view, ...change};
    // Cleared step fields are left out, not kept as undefined: a block that is no step never shows them.
    if (next.offer === undefined) delete next.offer;
    if (next.caughtUp === undefined) delete next.caughtUp;
    if (next.presence === undefined) delete next.presence;
    this.#view = next;
    this.#options.onChange(this.#view);
  }

  #begin(files: CreateSessionRequest['files'], mode: StepMode | undefined): void {
    if (this.#disposed) return;
    const thisRun = ++this.#run;
    this.#endCurrent();
    this.#update({terminalShown: true, offer: undefined, caughtUp: undefined, presence: undefined});
    void this.#start(thisRun, files, mode);
  }

  /** The environment was reset (here or by another block): a running step has ended with it. */
  #environmentReset(): void {
    if (this.#disposed) return;
    this.#run += 1;
    this.#timers.clearTimeout(this.#waitTimer);
    this.#endCurrent();
    this.#update({status: {state: 'idle'}, terminalShown: false, offer: undefined, caughtUp: undefined});
  }

  #endCurrent(): void {
    this.#releaseStep?.();
    this.#releaseStep = undefined;
    this.#playback?.dispose();
    this.#playback = undefined;
    this.#session?.dispose();
    this.#session = undefined;
    this.#unregister?.();
    this.#unregister = undefined;
  }

  async #start(thisRun: number, files: CreateSessionRequest['files'], mode: StepMode | undefined): Promise<void> {
    // The container must be laid out before the terminal opens in it.
    await this.#options.nextFrame();
    if (!this.#current(thisRun)) return;
    let terminal = this.#terminal;
    if (terminal) {
      terminal.reset();
    } else {
      this.#update({status: {state: 'loading'}});
      try {
        terminal = await this.#options.loadTerminal(this.input);
      } catch {
        if (this.#current(thisRun)) this.#update({status: {state: 'error', code: 'load-failed'}});
        return;
      }
      if (!this.#current(thisRun) || !terminal) return;
      this.#terminal = terminal;
    }
    if (this.#options.recorded.recordedOnly) {
      this.#update({status: {state: 'connecting'}});
      if (!(await this.#playRecorded(thisRun, terminal, 'recorded-only')) && this.#current(thisRun)) {
        this.#update({status: {state: 'error', code: 'no-recording'}, terminalShown: false});
      }
      return;
    }
    if (mode === 'environment' && !(await this.#freeEnvironment(thisRun))) return;
    await this.#startLive(thisRun, terminal, files, mode);
  }

  /**
   * The environment runs one step at a time: a step another block of this
   * page runs there is stopped first (the newer Run wins), waiting (bounded)
   * for it to end. False when this run was replaced meanwhile.
   */
  async #freeEnvironment(thisRun: number): Promise<boolean> {
    const store = this.#options.step?.store;
    if (!store?.stopOther(this)) return true;
    const deadline = this.#now() + STOP_OTHERS_WAIT_MS;
    while (store.otherRunning(this) && this.#now() <= deadline) {
      await new Promise<void>((resolve) => {
        this.#waitTimer = this.#timers.setTimeout(resolve, STOP_OTHERS_POLL_MS);
      });
      if (!this.#current(thisRun)) return false;
    }
    return this.#current(thisRun);
  }

  /**
   * Plays the block's recording instead of a live run; false when it has none.
   * The code blocks above stay as they are (readable, copyable).
   */
  async #playRecorded(thisRun: number, terminal: RunnerTerminal, why: 'unreachable' | 'recorded-only'): Promise<boolean> {
    const finder = this.#options.transcripts ?? pageTranscripts;
    const transcript = await finder.find(transcriptsUrl(this.#options.recorded.baseUrl), this.#options.blockId);
    if (!this.#current(thisRun) || !transcript) return false;
    terminal.reset();
    const {recordedAt} = transcript;
    this.#update({status: {state: 'recorded', recordedAt, why, playing: true}});
    const playback = playTranscript(transcript, (text) => terminal.write(encoder.encode(text)), this.#timers);
    this.#playback = playback;
    await playback.done;
    if (this.#playback !== playback || !this.#current(thisRun)) return true;
    terminal.write(HIDE_CURSOR);
    this.#update({status: {state: 'recorded', recordedAt, why, playing: false}});
    return true;
  }

  async #startLive(thisRun: number, terminal: RunnerTerminal, files: CreateSessionRequest['files'], mode: StepMode | undefined): Promise<void> {
    const {blockId, step} = this.#options;
    const {cols, rows} = terminal.size();
    let request: CreateSessionRequest = {block: blockId, cols, rows};
    if (files && files.length > 0) request.files = files;
    if (step && mode) request = stepRequest(request, mode, step.store.environment?.ref);
    let connected = false;
    /** The earlier steps to offer once the refusal is reported: the environment ended before this later step could run there. */
    let offerInstead: number[] | undefined;
    const session: SandboxSession = new SandboxSession({
      ...this.#options.session,
      serverUrl: this.#options.serverUrl,
      pageOrigin: this.#options.pageOrigin,
      // The site's one base path: the transcripts and, without a serverUrl, the API live under it.
      baseUrl: this.#options.recorded.baseUrl,
      request,
      timers: this.#timers,
      now: this.#now,
      // Acks go out once the terminal has parsed the bytes (its write callback): that is what the flow window measures.
      onOutput: (bytes, processed) => terminal.write(bytes, processed),
      onReplayTruncated: () => terminal.reset(),
      retryRequest: (code, refused) => {
        if (!step) return undefined;
        const plan = planAfterRefusal(step.number, refused, code);
        if (plan.action === 'report') return undefined;
        // The server no longer has the environment (or it is not ours): the page forgets it.
        step.store.forget();
        if (plan.action === 'retry') return plan.request;
        offerInstead = plan.missing;
        return undefined;
      },
      onEnvironment: (environment) => step?.store.accept(environment),
      onCatchUp: (steps) => {
        if (this.#session === session) this.#update({caughtUp: steps});
      },
      onPresence: (viewers, controllers) => {
        if (this.#session === session) this.#update({presence: {viewers, controllers}});
      },
      onStatus: (next) => {
        if (this.#session !== session) return;
        if (next.state === 'error' && (next.code === 'unreachable' || next.code === 'no-backend') && !connected) {
          // No backend answers (down, behind a proxy answering 502/503, or a static host): a recording is better than nothing.
          this.#unregister?.();
          void this.#playRecorded(thisRun, terminal, 'unreachable').then((played) => {
            if (!played && this.#current(thisRun)) this.#update({status: next, terminalShown: false});
          });
          return;
        }
        if (offerInstead && next.state === 'error') {
          // Nothing ran: the block is back where a fresh page's Run leaves it, at the offer.
          this.#unregister?.();
          this.#releaseStep?.();
          this.#update({status: {state: 'idle'}, terminalShown: false, offer: offerInstead});
          return;
        }
        if (next.state === 'running') connected = true;
        // A run that never reached the server leaves an empty terminal; the status says it all.
        this.#update(next.state === 'error' && !connected ? {status: next, terminalShown: false} : {status: next});
        if (isLive(next)) return;
        this.#unregister?.();
        this.#releaseStep?.();
        // Nothing runs any more: a blinking cursor would suggest it waits for input.
        terminal.write(HIDE_CURSOR);
      },
    });
    this.#session = session;
    this.#unregister = this.#registry.register(blockId, {stop: () => session.stop()});
    if (step) this.#releaseStep = step.store.claim(this, () => session.stop());
    terminal.focus();
    await session.start();
  }
}
