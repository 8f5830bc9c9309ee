/**
 * The MCP tools' names, descriptions and argument shapes (a contract: the
 * site's "For agents" page documents them), with one validator per tool. Bad
 * arguments are refused here with a message naming the argument, before any
 * container starts.
 */
import {z} from 'zod';
import {MAX_OUTPUT_CHARS} from './output.js';

/** Most characters of typed input one call may carry (a reader's paste is bounded the same way). */
const MAX_INPUT_CHARS = 64 * 1024;
/** Longest wait one `read_output` may ask for: a tool call should not look hung. */
export const MAX_WAIT_MS = 30_000;
/** Longest `timeoutSeconds`: the server's own lifetime caps it anyway. */
const MAX_TIMEOUT_SECONDS = 600;
/** Most files in one edit; the server's `maxFiles` limit still applies on top. */
const MAX_FILES = 64;

const blockId = z.string().min(1).max(128).describe('A block id, as list_blocks returns it');
const sessionId = z.string().min(1).max(64).describe('The sessionId start_session returned');
const file = z
  .object({
    path: z.string().min(1).max(255).describe('Relative path inside /workspace, e.g. "main.py"'),
    content: z.string(),
  })
  .strict();
const outputOptions = {
  raw: z.boolean().optional().describe('Keep terminal control sequences (default: stripped)'),
  maxOutputChars: z.number().int().min(1).max(MAX_OUTPUT_CHARS).optional().describe('Cut the output after this many characters (default 65536)'),
};
const runOptions = {
  input: z.string().max(MAX_INPUT_CHARS).optional().describe('Typed into the program once it runs; a newline is Enter'),
  timeoutSeconds: z.number().positive().max(MAX_TIMEOUT_SECONDS).optional().describe("Stop waiting (and end the run) after this long; the block's own limit applies first"),
  ...outputOptions,
};

export const TOOL_ARGUMENTS = {
  list_blocks: z
    .object({
      query: z.string().max(500).optional().describe('Words that must all occur in the block (title, source, command, files)'),
      page: z.string().max(500).optional().describe('Only blocks of this page: a part of its URL or source file'),
      env: z.string().max(64).optional().describe('Only blocks of this environment, e.g. "python"'),
    })
    .strict(),
  get_block: z.object({block: blockId}).strict(),
  run_block: z
    .object({
      block: blockId,
      files: z.array(file).max(MAX_FILES).optional().describe("Replace these files of the block (editable blocks only); the others keep the block's content"),
      ...runOptions,
    })
    .strict(),
  check_blocks: z.object({filter: z.string().max(500).optional().describe('Only blocks whose id, source file or title contains this text; a tutorial step brings the steps before it')}).strict(),
  run_code: z
    .object({
      env: z.string().min(1).max(64).describe('An environment of the server, e.g. "node"'),
      files: z.array(file).max(MAX_FILES),
      cmd: z.string().min(1).max(4096).describe('The command, run by sh in /workspace'),
      ...runOptions,
    })
    .strict(),
  start_session: z
    .object({
      block: blockId.optional(),
      env: z.string().min(1).max(64).optional().describe("An environment's shell (needs inline runs allowed)"),
    })
    .strict()
    .refine((value) => (value.block === undefined) !== (value.env === undefined), {message: 'give exactly one of block and env'}),
  send_input: z.object({sessionId, text: z.string().max(MAX_INPUT_CHARS).describe('Keystrokes; a newline is Enter, "\\u0003" is Ctrl-C')}).strict(),
  read_output: z
    .object({
      sessionId,
      waitMs: z.number().int().min(0).max(MAX_WAIT_MS).optional().describe('Wait this long for output when there is none yet (default 1000)'),
      ...outputOptions,
    })
    .strict(),
  stop_session: z.object({sessionId}).strict(),
} as const;

export type ToolName = keyof typeof TOOL_ARGUMENTS;
export type ToolArguments<Name extends ToolName> = z.output<(typeof TOOL_ARGUMENTS)[Name]>;

const DESCRIPTIONS: Record<ToolName, string> = {
  list_blocks: "List the site's runnable blocks (id, page, title, environment, files, expected output); filter by words, page or environment.",
  get_block: "A block's files with their contents, its command and its options.",
  run_block:
    'Run a block to its end in a fresh sandbox, optionally with edited files and typed input; returns output, exit code and reason. A step of a tutorial (list_blocks gives session and step) runs after its earlier steps, whose output is left out.',
  check_blocks:
    "Run every block (or those matching filter) and judge each against its expected output and exit code, like `docusaurus-sandbox check --json`; a tutorial's steps run in order in one sandbox, and those after a failed step are not run.",
  run_code: 'Run your own files and command in a fresh sandbox of an environment.',
  start_session: 'Start an interactive terminal session (a block, or an environment\'s shell); drive it with send_input and read_output.',
  send_input: 'Type text into an interactive session.',
  read_output: 'The output of a session since the last read; waits up to waitMs for some. Says when the session has ended.',
  stop_session: 'End an interactive session and remove its sandbox.',
};

export interface ToolDefinition {
  name: ToolName;
  description: string;
  inputSchema: {type: 'object'; [key: string]: unknown};
}

/** The listed tools: `run_code` and `start_session` for an environment only mean something with inline runs. */
export function toolDefinitions(options: {allowInline: boolean}): ToolDefinition[] {
  return (Object.keys(TOOL_ARGUMENTS) as ToolName[])
    .filter((name) => options.allowInline || name !== 'run_code')
    .map((name) => {
      const {$schema: _dialect, ...schema} = z.toJSONSchema(TOOL_ARGUMENTS[name], {io: 'input'});
      return {name, description: DESCRIPTIONS[name], inputSchema: {...schema, type: 'object'}};
    });
}

export class ToolArgumentError extends Error {
  readonly code = 'bad-request';
  override readonly name = 'ToolArgumentError';
}

export const isToolName = (name: string): name is ToolName => Object.hasOwn(TOOL_ARGUMENTS, name);

/** The validated arguments, or a ToolArgumentError naming each problem and where. */
export function parseToolArguments<Name extends ToolName>(name: Name, value: unknown): ToolArguments<Name> {
  const parsed = TOOL_ARGUMENTS[name].safeParse(value ?? {});
  if (parsed.success) return parsed.data as ToolArguments<Name>;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  throw new ToolArgumentError(`invalid arguments for ${name}: ${problems.join('; ')}`);
}
