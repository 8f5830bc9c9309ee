/**
 * One-shot runs for the MCP tools, through the same HTTP + WebSocket path (and
 * so the same hardening, limits and lifetimes) as a reader's click: `check`'s
 * runner, with the result shaped for an agent.
 */
import type {SandboxBlock} from '../../config/block.js';
import {REQUEST_ERROR_CODES as PROTOCOL_REQUEST_ERROR_CODES, type CreateSessionRequest} from '../../protocol/index.js';
import {runSession, type SessionRun} from '../check/client.js';
import {scriptedInput} from '../check/evaluate.js';
import {checkBlocks} from '../check/run.js';
import {toJson} from '../check/report.js';
import {cleanOutput} from './output.js';

/** Where sessions run: an in-process server or `--server URL`. */
export interface SandboxTarget {
  serverUrl: string;
  /** Per-block limit assumed when a block has none (the server's own default). */
  defaultTimeoutMs: number;
  /** Blocks `check_blocks` runs at once. */
  jobs: number;
  headers?: Record<string, string>;
}

export interface RunToolResult {
  output: string;
  /** null when the program never reported an exit (refused, deadline, lost). */
  exitCode: number | null;
  /** An exit reason of the protocol (exit, timeout, idle, oom, output-limit, killed, error). */
  reason: string;
  durationMs: number;
  truncated: boolean;
  /** Why there is no exit: the server's refusal or the deadline, with a stable code. */
  error?: {code: string; message: string};
}

/** Refusals that mean the request itself was wrong: the agent must change its arguments, not retry. */
export const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set(PROTOCOL_REQUEST_ERROR_CODES);

export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Time beyond the block's own limit before the runner stops waiting: the server ends it first. */
const GRACE_MS = 15_000;

export interface OutputChoice {
  raw?: boolean | undefined;
  maxOutputChars?: number | undefined;
}

/** A newline typed by an agent is Enter, which a terminal reads as CR. */
export const keystrokes = (text: string): string => text.replace(/\r?\n/g, '\r');

export function toRunResult(run: SessionRun, output: OutputChoice): RunToolResult {
  if (run.error && REQUEST_ERROR_CODES.has(run.error.code)) throw new RunRefusedError(run.error.code, run.error.message);
  const cleaned = cleanOutput(run.output, {raw: output.raw, maxChars: output.maxOutputChars, alreadyTruncated: run.truncated});
  const deadline = run.error?.code === 'deadline';
  return {
    output: cleaned.text,
    exitCode: run.exit?.code ?? null,
    reason: run.exit?.reason ?? (deadline ? 'timeout' : 'error'),
    durationMs: run.durationMs,
    truncated: cleaned.truncated,
    ...(run.error && !run.exit ? {error: run.error} : {}),
  };
}

/** A run that did not end with exit code 0 of its own accord: an `isError` result. */
export const failed = (result: RunToolResult): boolean => result.reason !== 'exit' || result.exitCode !== 0;

interface RunRequest extends OutputChoice {
  input?: string | undefined;
  timeoutSeconds?: number | undefined;
}

async function run(target: SandboxTarget, body: CreateSessionRequest, limitMs: number, request: RunRequest, input: string | undefined) {
  const deadlineMs = request.timeoutSeconds === undefined ? limitMs + GRACE_MS : Math.round(request.timeoutSeconds * 1000);
  const session = await runSession(target.serverUrl, body, {
    deadlineMs,
    endAtDeadline: true,
    // Kept bytes: a little over what the result may carry, since escapes are removed afterwards.
    maxOutputBytes: Math.max(64 * 1024, (request.maxOutputChars ?? 0) * 4),
    ...(input === undefined ? {} : {input}),
    ...(target.headers ? {headers: target.headers} : {}),
  });
  return toRunResult(session, request);
}

export function runBlock(target: SandboxTarget, block: SandboxBlock, request: RunRequest & {files?: Array<{path: string; content: string}> | undefined}) {
  let input = request.input === undefined ? (block.options.input === undefined ? undefined : scriptedInput(block.options.input)) : keystrokes(request.input);
  // An interactive block stays in a shell after its command; leaving it (once
  // per shell, a spare `exit` is never read) ends the run, as `check` does.
  if (block.options.interactive) input = `${input ?? ''}exit\rexit\r`;
  const body: CreateSessionRequest = {block: block.id, ...(request.files ? {files: request.files} : {})};
  return run(target, body, block.options.timeout ?? target.defaultTimeoutMs, request, input);
}

export function runCode(target: SandboxTarget, request: RunRequest & {env: string; cmd: string; files: Array<{path: string; content: string}>}) {
  const body: CreateSessionRequest = {env: request.env, cmd: request.cmd, files: request.files};
  return run(target, body, target.defaultTimeoutMs, request, request.input === undefined ? undefined : keystrokes(request.input));
}

/** `check --json`'s report (transcripts left out) for the chosen blocks. */
export async function checkSite(target: SandboxTarget, blocks: SandboxBlock[], filter: string | undefined): Promise<unknown> {
  const report = await checkBlocks(blocks, {serverUrl: target.serverUrl, jobs: target.jobs, filter, defaultTimeoutMs: target.defaultTimeoutMs});
  return JSON.parse(toJson(report)) as unknown;
}
