/**
 * What Run, Stop and the terminal do for one block, framework-free: load the
 * terminal once, reuse it for later runs, run live or play the block's
 * recording (recorded-only site, or a backend that cannot be reached), keep
 * the page's live-sandbox registry up to date and carry the reader's input to
 * the session. A UI binds it to its components (the theme's hook is one) and
 * renders the `RunnerView` it reports. Disposable.
 */
import type {CreateSessionRequest} from '../protocol/index.js';
import {playTranscript, transcripts as pageTranscripts, transcriptsUrl, type Playback, type TranscriptStore} from './recorded.js';
import {liveSandboxes, type LiveSandboxRegistry} from './registry.js';
import {SandboxSession, type SessionOptions} from './session.js';
import {isLive, type SandboxStatus} from './status.js';
import {globalTimers, type Timers} from './timers.js';

/** The part of a terminal the runner drives. */
export interface RunnerTerminal {
  /** Writes program output; `done` runs once the terminal has processed it (flow-control acks). */
  write(data: Uint8Array, done?: () => void): void;
  /** Clears screen and scrollback. */
  reset(): void;
  focus(): void;
  size(): {cols: number; rows: number};
}

/** What the terminal reports, as the terminal encodes it. */
export interface TerminalInput {
  /** Keystrokes and paste: text, sent UTF-8-encoded. */
  onData(data: string): void;
  /** Binary strings (one char per byte, e.g. mouse reports): sent one byte per char. */
  onBinary(data: string): void;
  onResize(cols: number, rows: number): void;
}

/** What the UI shows. */
export interface RunnerView {
  readonly status: SandboxStatus;
  /** The terminal area is shown (from a Run until a run that never reached the server). */
  readonly terminalShown: boolean;
}

/** Where recorded runs come from and whether the site shows only them (plugin global data). */
export interface RecordedOptions {
  /**
   * The site's Docusaurus `baseUrl` (ends with '/'): transcripts live at `<baseUrl>sandbox-transcripts.json`,
   * and without a `serverUrl` the API at `<pageOrigin><baseUrl>api/…`.
   */
  baseUrl: string;
  recordedOnly: boolean;
}

/** Session options the runner does not decide itself (the network and the clock, for tests). */
export type SessionTransport = Pick<SessionOptions, 'fetch' | 'createSocket' | 'random' | 'getAuthToken' | 'warn'>;

export interface RunnerOptions {
  blockId: string;
  /** The plugin's `serverUrl`; '' or undefined = the page's origin under `recorded.baseUrl`. */
  serverUrl: string | undefined;
  pageOrigin: string;
  recorded: RecordedOptions;
  /**
   * Loads and opens the terminal (first Run only); undefined when there is no
   * place for it any more. Throwing reports `load-failed`.
   */
  loadTerminal(input: TerminalInput): Promise<RunnerTerminal | undefined>;
  /** Resolves once the terminal's container is laid out (the browser: the next animation frame). */
  nextFrame(): Promise<void>;
  onChange(view: RunnerView): void;
  session?: SessionTransport;
  timers?: Timers;
  now?: () => number;
  transcripts?: Pick<TranscriptStore, 'find'>;
  registry?: LiveSandboxRegistry;
}

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
  }

  get view(): RunnerView {
    return this.#view;
  }

  /** Starts a run (live or recorded), replacing the current one. */
  run(files?: CreateSessionRequest['files']): void {
    if (this.#disposed) return;
    const thisRun = ++this.#run;
    this.#endCurrent();
    this.#update({terminalShown: true});
    void this.#start(thisRun, files);
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
    this.#view = {...this.#view, ...change};
    this.#options.onChange(this.#view);
  }

  #endCurrent(): void {
    this.#playback?.dispose();
    this.#playback = undefined;
    this.#session?.dispose();
    this.#session = undefined;
    this.#unregister?.();
    this.#unregister = undefined;
  }

  async #start(thisRun: number, files: CreateSessionRequest['files']): Promise<void> {
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
    await this.#startLive(thisRun, terminal, files);
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

  async #startLive(thisRun: number, terminal: RunnerTerminal, files: CreateSessionRequest['files']): Promise<void> {
    const {blockId} = this.#options;
    const {cols, rows} = terminal.size();
    const request: CreateSessionRequest = {block: blockId, cols, rows};
    if (files && files.length > 0) request.files = files;
    let connected = false;
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
        if (next.state === 'running') connected = true;
        // A run that never reached the server leaves an empty terminal; the status says it all.
        this.#update(next.state === 'error' && !connected ? {status: next, terminalShown: false} : {status: next});
        if (isLive(next)) return;
        this.#unregister?.();
        // Nothing runs any more: a blinking cursor would suggest it waits for input.
        terminal.write(HIDE_CURSOR);
      },
    });
    this.#session = session;
    this.#unregister = this.#registry.register(blockId, {stop: () => session.stop()});
    terminal.focus();
    await session.start();
  }
}
