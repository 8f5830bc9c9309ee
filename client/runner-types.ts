/**
 * The runner's seams (what it drives, what it reports, what it is made
 * from), apart from its behaviour in runner.ts, for UIs that only bind to it.
 */
import type {CaughtUpStep} from '../protocol/index.js';
import type {EnvironmentStore} from './environment-store.js';
import type {TranscriptStore} from './recorded.js';
import type {LiveSandboxRegistry} from './registry.js';
import type {SessionOptions} from './session.js';
import type {SandboxStatus} from './status.js';
import type {Timers} from './timers.js';

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
  /**
   * A page session's step whose earlier steps have not run in the environment:
   * those steps, and the reader is offered to run them first or this one only.
   */
  readonly offer?: readonly number[];
  /** A page session's step that started with catch-up: the earlier steps that ran first, with their exit codes. */
  readonly caughtUp?: readonly CaughtUpStep[];
  /** The session is shared: who watches it (absent until the server says, and from the next Run on). */
  readonly presence?: {viewers: number; controllers: number};
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
  /** The block is step `number` of a page session whose environment `store` holds. */
  step?: {number: number; store: EnvironmentStore};
}
