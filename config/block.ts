/**
 * A sandbox block as the remark plugin extracts it and as the build manifest
 * (`sandbox-manifest.json`) stores it. The server runs blocks by `id`.
 */

export interface BlockFile {
  /** Relative POSIX path inside /workspace. */
  path: string;
  content: string;
  /** Seeded but not shown. Not secret: it is in the page and the manifest. */
  hidden: boolean;
  /** Shown but not editable by the reader. */
  readonly: boolean;
  /** Highlighting language. */
  lang: string;
}

export interface BlockOptions {
  /** The reader may edit the (non-readonly) files before running. */
  editable: boolean;
  /** Stay in an interactive shell after `cmd` ends. */
  interactive: boolean;
  /** Run time limit in ms; absent means the environment's default. */
  timeout?: number;
  /** Text, or `/regex/flags`, the output must contain (checked by `check`). */
  expect?: string;
  /** Expected exit code (checked by `check`). */
  exit: number;
  /** Scripted terminal input (checked by `check`). */
  input?: string;
  /** `check` lists the block as skipped. */
  skipCheck: boolean;
}

export interface SandboxBlock {
  /** Stable: hash of source path, ordinal in the file and content. */
  id: string;
  env: string;
  /** The command; for a terminal-only block, the environment's shell. */
  cmd: string;
  title?: string;
  files: BlockFile[];
  options: BlockOptions;
  /** Source file, relative to the site directory, POSIX separators. */
  source: string;
  /** 1-based line of the fence or directive in the source. */
  line: number;
  /** Only for a block of a page session: the session's id (`SandboxManifest.sessions[].id`). */
  session?: string;
  /** Only for a block of a page session: its 1-based position among the session's blocks. */
  step?: number;
}

/**
 * The blocks of one page that share one environment (`session=NAME` on each,
 * or `sandbox_session: NAME` in the page's front matter), in page order.
 */
export interface PageSession {
  /** Stable and page-scoped: derived from the page's source path and the name. */
  id: string;
  /** The name the author gave. */
  name: string;
  /** The page's source file, as in `SandboxBlock.source`. */
  source: string;
  /** The one environment all its blocks use. */
  env: string;
  /** Its blocks' ids in step order (step 1 first). */
  blocks: string[];
}

/**
 * How the page shows one file's code before Run: Docusaurus's own code-block
 * options, for the theme's CodeBlock. Display only: it is not part of the
 * block, its id or the manifest, so renumbering or re-highlighting lines keeps
 * the id (and readers' saved edits and a running server's blocks) as it was.
 */
export interface FileDisplay {
  /** Number the lines, the first one with this number (`showLineNumbers` is 1, `showLineNumbers=N` is N). */
  showLineNumbers?: number;
  /** Lines to highlight as written between the braces of `{1,3-5}`: "1,3-5". */
  highlightLines?: string;
}

/**
 * The `display` prop of the `<Sandbox>` element, as a JSON string: display
 * options by file path. The element has no such prop when no file has any.
 */
export interface SandboxDisplay {
  files: Record<string, FileDisplay>;
}

/**
 * The `session` prop of the `<Sandbox>` element of a step, as a JSON string:
 * the page session it belongs to. Blocks of no page session have no such prop.
 */
export interface SandboxStepSession {
  /** `PageSession.id`, as in the block's `session`. */
  id: string;
  /** `PageSession.name`. */
  name: string;
  /** How many steps the page session has. */
  steps: number;
}

export const MANIFEST_FILE = 'sandbox-manifest.json';
export const MANIFEST_VERSION = 1;

export interface SandboxManifest {
  version: typeof MANIFEST_VERSION;
  blocks: SandboxBlock[];
  /**
   * The build's `baseUrl` (the locale's, e.g. "/mysite/fr/"): the server
   * serves the site and the API under it. Absent in manifests of older
   * builds, which the server serves at '/'.
   */
  baseUrl?: string;
  /** The page sessions (multi-step tutorials); absent when there are none. */
  sessions?: PageSession[];
}

export const MAX_PATH_BYTES = 255;

/**
 * Checks a path a block (or a reader's edit) wants to seed into /workspace.
 * Returns the reason it is refused, phrased with the fix, or undefined when it
 * is fine. The same rules apply at build time and in the server.
 */
export function checkFilePath(path: string): string | undefined {
  if (path.length === 0) return 'the file path is empty; give a name such as file=main.py';
  if (path.includes('\0')) return 'the file path contains a NUL byte; remove it';
  if (path.includes('\\')) return `the file path "${path}" contains a backslash; use "/" between folders`;
  if (path.startsWith('/')) return `the file path "${path}" is absolute; write it relative to /workspace, e.g. "${path.replace(/^\/+/, '')}"`;
  if (new TextEncoder().encode(path).length > MAX_PATH_BYTES) {
    return `the file path is longer than ${MAX_PATH_BYTES} bytes; shorten it`;
  }
  const segments = path.split('/');
  if (segments.includes('..')) return `the file path "${path}" contains a ".." segment; files must stay inside /workspace`;
  if (segments.some((segment) => segment === '' || segment === '.')) {
    return `the file path "${path}" has an empty or "." segment; write it as a plain relative path`;
  }
  if (/[\u0000-\u001f\u007f]/.test(path)) return `the file path "${JSON.stringify(path)}" contains a control character; remove it`;
  return undefined;
}

/**
 * Recorded runs (`docusaurus-sandbox check --record`), written next to the
 * manifest as `sandbox-transcripts.json`. The theme plays one back, labelled as
 * a recording, when the backend cannot be reached.
 */
export const TRANSCRIPTS_FILE = 'sandbox-transcripts.json';

export interface Transcript {
  /** ISO date of the recording. */
  recordedAt: string;
  exitCode?: number;
  /** Output chunks: [milliseconds since the previous chunk, text]. */
  chunks: Array<[number, string]>;
}

export interface TranscriptsFile {
  version: 1;
  transcripts: Record<string, Transcript>;
}
