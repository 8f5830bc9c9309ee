/**
 * Types of the components this package adds to `@theme`: each component
 * imports its `Props` from here, and a site that swizzles one gets the same
 * contract. The framework-free parts come from `docusaurus-sandbox/client`.
 */
declare module '@theme/Sandbox' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** The manifest entry of this block, as a JSON string. */
    readonly block: string;
    /**
     * How the page shows the files' code (`showLineNumbers`, `{1,3-5}`), as the
     * JSON string of `{"files": {"<path>": {"showLineNumbers": 1, "highlightLines": "1,3-5"}}}`;
     * absent when no file has any.
     */
    readonly display?: string;
    /**
     * Only on a step of a page session (a multi-step tutorial): the session, as
     * the JSON string of `{"id": "ps-…", "name": "<NAME>", "steps": <how many>}`
     * (`SandboxStepSession` of `docusaurus-sandbox/config`). The block's own
     * position is `step` in `block`; absent for a block of no session.
     */
    readonly session?: string;
  }
  export default function Sandbox(props: Props): ReactNode;
}

declare module '@theme/Sandbox/Files' {
  import type {Edits, SandboxBlock} from 'docusaurus-sandbox/client';
  import type {ReactNode} from 'react';

  /** Docusaurus's own code-block options for one file, as the remark plugin passes them. */
  export interface FileDisplay {
    /** Number the lines, the first one with this number. */
    readonly showLineNumbers?: number;
    /** Lines to highlight, as written between the braces of `{1,3-5}`: "1,3-5". */
    readonly highlightLines?: string;
  }

  export interface Props {
    readonly block: SandboxBlock;
    /** Display options by file path; a file without an entry shows as a plain code block. */
    readonly display?: Readonly<Record<string, FileDisplay>>;
    /** The reader's versions of edited files, by path. */
    readonly edits: Edits;
    /** The reader chose Edit: editable files show as editors. */
    readonly editing: boolean;
    readonly editablePaths: readonly string[];
    /** Bumped by Reset: the editors remount with the authored code. */
    readonly generation: number;
    readonly onChange: (path: string, content: string) => void;
  }
  /** The block's visible files: code blocks (one tab per file), or editors once the reader chose to edit. */
  export default function SandboxFiles(props: Props): ReactNode;
}

declare module '@theme/Sandbox/Toolbar' {
  import type {SandboxStatus} from 'docusaurus-sandbox/client';
  import type {ReactNode} from 'react';

  export interface Props {
    readonly status: SandboxStatus;
    readonly canEdit: boolean;
    readonly hasEdits: boolean;
    readonly onRun: () => void;
    readonly onStop: () => void;
    readonly onEdit: () => void;
    readonly onReset: () => void;
  }
  /** Run / Stop / Edit / Reset; part of the static page. */
  export default function SandboxToolbar(props: Props): ReactNode;
}

declare module '@theme/Sandbox/StatusLine' {
  import type {SandboxStatus} from 'docusaurus-sandbox/client';
  import type {ReactNode} from 'react';

  export interface Props {
    readonly status: SandboxStatus;
    /** The reader has other live sandboxes on this page or the site's other open pages (offer to stop them). */
    readonly othersLive: boolean;
    readonly onStopOthers: () => void;
  }
  /** What the sandbox is doing, announced politely to screen readers. */
  export default function SandboxStatusLine(props: Props): ReactNode;
}

declare module '@theme/Sandbox/StatusLine/statusText' {
  import type {MessageDescriptor, MessageId} from 'docusaurus-sandbox/client';

  /** One translate() call per status id, written out so that `write-translations` finds them. */
  export const STATUS_TEXT: Partial<Record<MessageId, (values: MessageDescriptor['values']) => string>>;
  /** The translated text of a status descriptor (English for an id without a call). */
  export function statusText(descriptor: MessageDescriptor): string;
}

declare module '@theme/Sandbox/StepBar' {
  import type {PageSessionInfo} from 'docusaurus-sandbox/client';
  import type {ReactNode} from 'react';

  export interface Props {
    /** This block's position in the page session (1-based). */
    readonly step: number;
    readonly session: PageSessionInfo;
    /** The page holds an environment of the session (Reset environment is offered). */
    readonly hasEnvironment: boolean;
    readonly onResetEnvironment: () => void;
  }
  /** "Step N of M", the shared environment's name, and Reset environment. */
  export default function SandboxStepBar(props: Props): ReactNode;
}

declare module '@theme/Sandbox/StepOffer' {
  import type {CaughtUpStep} from 'docusaurus-sandbox/client';
  import type {ReactNode} from 'react';

  export interface Props {
    readonly step: number;
    /** The earlier steps that have not run in the environment, while the reader is asked what to do; else undefined. */
    readonly offer?: readonly number[];
    /** After a catch-up: the earlier steps that ran first, with their exit codes. */
    readonly caughtUp?: readonly CaughtUpStep[];
    /** "Run steps 1–(N−1) first". */
    readonly onCatchUp: () => void;
    /** "Run only this step". */
    readonly onRunOnly: () => void;
  }
  /** The choice when earlier steps have not run, and the note after a catch-up. */
  export default function SandboxStepOffer(props: Props): ReactNode;
}

declare module '@theme/Sandbox/usePageEnvironment' {
  import type {EnvironmentStore, KnownEnvironment, PageSessionInfo} from 'docusaurus-sandbox/client';

  export interface PageEnvironmentState {
    /** The page session's store, once attached (after hydration); undefined for a block that is not a step. */
    readonly store: EnvironmentStore | undefined;
    /** The environment the page holds, if any. */
    readonly environment: KnownEnvironment | undefined;
  }
  /** Attaches a step block to its page session's shared environment. */
  export function usePageEnvironment(session: PageSessionInfo | undefined, serverUrl: string | undefined, baseUrl: string): PageEnvironmentState;
}

declare module '@theme/Sandbox/TerminalArea' {
  import type {SandboxRunnerHandle} from '@theme/Sandbox/useSandboxRunner';
  import type {ReactNode} from 'react';

  export interface Props {
    readonly runner: SandboxRunnerHandle;
  }
  /** The terminal's place: empty until the first Run, then the terminal, the key bar and its options. */
  export default function SandboxTerminalArea(props: Props): ReactNode;
}

declare module '@theme/Sandbox/useSandboxRunner' {
  import type {CaughtUpStep, CreateSessionRequest, EnvironmentStore, RecordedOptions, SandboxStatus, StepChoice} from 'docusaurus-sandbox/client';
  import type {RefObject} from 'react';

  export type {RecordedOptions} from 'docusaurus-sandbox/client';

  export interface SandboxRunnerHandle {
    readonly status: SandboxStatus;
    /** The terminal area has been opened (after the first Run). */
    readonly terminalShown: boolean;
    readonly terminalRef: RefObject<HTMLDivElement | null>;
    run(files: CreateSessionRequest['files']): void;
    stop(): void;
    /** Stops the reader's other sandboxes on this page and the site's other open pages, then runs this one. */
    stopOthersAndRun(files: CreateSessionRequest['files']): void;
    sendKey(sequence: string): void;
    readonly screenReaderMode: boolean;
    toggleScreenReaderMode(): void;
    /** A step whose earlier steps have not run in the environment, after Run: those steps (the reader chooses). */
    readonly offer?: readonly number[];
    /** After a catch-up: the earlier steps that ran first. */
    readonly caughtUp?: readonly CaughtUpStep[];
    /** The reader's answer to the offer. */
    runStep(choice: StepChoice, files: CreateSessionRequest['files']): void;
    /** Ends the page session's shared environment; every step block returns to idle. */
    resetEnvironment(): void;
    /** The session is shared: who watches it. */
    readonly presence?: {viewers: number; controllers: number};
    /** What the owner's share calls need, while the session is live; else undefined. */
    shareAccess(): {sessionId: string; base: string; resumeToken: string} | undefined;
  }
  /** A page session's step: its position and the store of the session's environment. */
  export interface StepOptions {
    readonly number: number;
    readonly store: EnvironmentStore;
  }
  /** Binds the client's `SandboxRunner` to a component. */
  export function useSandboxRunner(blockId: string, serverUrl: string | undefined, recorded?: RecordedOptions, step?: StepOptions): SandboxRunnerHandle;
}

declare module '@theme/Sandbox/display' {
  import type {Props} from '@theme/Sandbox/Files';

  export type FileDisplayByPath = NonNullable<Props['display']>;
  /** The `display` prop of `<Sandbox>` read back: display options by file path, or undefined for none. */
  export function parseDisplay(display: string | undefined): FileDisplayByPath | undefined;
}

declare module '@theme/Sandbox/useEdits' {
  import type {Edits} from 'docusaurus-sandbox/client';

  export interface EditsState {
    readonly edits: Edits;
    setFile(path: string, content: string): void;
    reset(): void;
  }
  /** A block's edits, kept in the browser's storage until Reset. */
  export function useEdits(blockId: string, paths: readonly string[]): EditsState;
}

declare module '@theme/SandboxEditor' {
  import type {ReactNode} from 'react';

  export interface Props {
    readonly path: string;
    readonly lang: string;
    /** The content to start from (authored or previously edited). */
    readonly initialContent: string;
    readonly onChange: (content: string) => void;
    /** Focus the editor once it is loaded (the reader just clicked Edit). */
    readonly autoFocus?: boolean;
  }
  /** A CodeMirror 6 editor, loaded on first use. */
  export default function SandboxEditor(props: Props): ReactNode;
}

declare module '@theme/SandboxKeyBar' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** Receives the byte sequence of the pressed key (e.g. "\x03" for Ctrl-C). */
    readonly onKey: (sequence: string) => void;
  }
  /** Esc, Tab, Ctrl-C and arrows for touch devices (shown on coarse pointers only). */
  export default function SandboxKeyBar(props: Props): ReactNode;
}

declare module '@theme/SandboxTerminal/xterm' {
  import type {RunnerTerminal, TerminalInput} from 'docusaurus-sandbox/client';

  export interface TerminalHandle extends RunnerTerminal {
    /** From now on the terminal is `cols` × `rows` whatever the page's width (a viewer shows the owner's size). */
    fixSize(cols: number, rows: number): void;
    setColorMode(colorMode: 'light' | 'dark'): void;
    setScreenReaderMode(on: boolean): void;
    dispose(): void;
  }
  export interface TerminalOptions extends TerminalInput {
    colorMode: 'light' | 'dark';
    screenReaderMode: boolean;
    ariaLabel: string;
  }
  /** xterm.js with its fit addon, opened in `container`: the lazily loaded terminal chunk. */
  export function createTerminal(container: HTMLElement, options: TerminalOptions): TerminalHandle;
}

declare module '@theme/SandboxAuth' {
  /** The bearer token for POST /api/sessions (jwt auth mode), or undefined for none. */
  export default function getAuthToken(): Promise<string | undefined>;
}

declare module '@theme/Sandbox/Share' {
  import type {SandboxRunnerHandle} from '@theme/Sandbox/useSandboxRunner';
  import type {ReactNode} from 'react';

  export interface Props {
    readonly runner: SandboxRunnerHandle;
  }
  /** While the session is live: "Share: can watch" / "Share: can type" (the link copied), who watches, "Stop sharing". */
  export default function SandboxShare(props: Props): ReactNode;
}

declare module '@theme/Sandbox/Viewer' {
  import type {ReactNode} from 'react';

  export interface Props {
    /** The share from the page's link fragment. */
    readonly link: {token: string; session: string; mode?: 'view' | 'control' | undefined};
    readonly serverUrl: string | undefined;
    readonly baseUrl: string;
  }
  /** A shared session watched by link: the banner, the live terminal, no Run or Edit. */
  export default function SandboxViewer(props: Props): ReactNode;
}
