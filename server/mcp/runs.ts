/**
 * One-shot runs for the MCP tools, through the same WebSocket path (and so the
 * same hardening, limits and lifetimes) as a reader's click: a live session
 * read to its end, with the result shaped for an agent. `check_blocks` judges
 * such runs the way `check` does.
 */
import type {SandboxBlock} from '../../config/block.js';
import {REQUEST_ERROR_CODES as PROTOCOL_REQUEST_ERROR_CODES, type CreateSessionRequest, type EnvironmentRef} from '../../protocol/index.js';
import {reportBase, skippedReport, type BlockCheck, type BlockChecker} from '../check/block-report.js';
import type {SessionRun} from '../check/client.js';
import {judge, leaveShells, scriptedInput} from '../check/evaluate.js';
import type {CheckSource} from '../check/plan.js';
import {BUSY_CODES, BUSY_RETRIES, busyDelayMs, checkEach} from '../check/run.js';
import {toJson} from '../check/report.js';
import type {Clock} from '../clock.js';
import {LiveSession} from './live-session.js';
import type {SessionOpener} from './opener.js';
import {cleanOutput} from './output.js';

/** Where sessions run: an in-process server, `--server URL`, or this server's own session manager (`/mcp`). */
export interface SandboxTarget {
  opener: SessionOpener;
  /** Per-block limit assumed when a block has none (the server's own default). */
  defaultTimeoutMs: number;
  /** Blocks `check_blocks` runs at once. */
  jobs: number;
  clock: Clock;
  /** Keeps a run to be ended when the MCP client goes away; returns its release. */
  hold?: ((run: LiveSession) => () => void) | undefined;
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

/** Output kept of a run: a little over what the result may carry, since escapes are removed afterwards. */
const keptChars = (request: OutputChoice) => Math.max(64 * 1024, (request.maxOutputChars ?? 0) * 4);

/** Runs one session to its end (or the deadline, which ends it) and keeps the head of its output. */
export async function runToEnd(
  target: SandboxTarget,
  body: CreateSessionRequest,
  options: {deadlineMs: number; maxChars: number; input?: string | undefined},
): Promise<SessionRun> {
  const {clock} = target;
  const started = clock.now();
  const opened = await LiveSession.start(target.opener, body, {clock});
  if ('error' in opened) return {output: '', error: opened.error, durationMs: clock.now() - started, truncated: false};
  const session = opened.session;
  const release = target.hold?.(session);
  try {
    return await readToEnd(session, started, options, clock);
  } finally {
    release?.();
  }
}

async function readToEnd(session: LiveSession, started: number, options: {deadlineMs: number; maxChars: number; input?: string | undefined}, clock: Clock): Promise<SessionRun> {
  if (options.input !== undefined) session.send(options.input);
  const until = started + options.deadlineMs;
  let output = '';
  let truncated = false;
  let deadline = false;
  const keep = (text: string, dropped: number) => {
    const room = options.maxChars - output.length;
    if (text.length > room || dropped > 0) truncated = true;
    if (room > 0) output += text.slice(0, room);
  };
  let read = await session.read(Math.max(0, until - clock.now()));
  keep(read.output, read.droppedChars);
  while (read.state !== 'ended') {
    if (clock.now() >= until) {
      deadline = true;
      // Ended, not dropped: a dropped socket keeps the container for the reconnect grace.
      await session.stop();
    }
    read = await session.read(deadline ? 0 : Math.max(0, until - clock.now()));
    keep(read.output, read.droppedChars);
  }
  const run: SessionRun = {output, durationMs: clock.now() - started, truncated, ...(session.environment ? {environment: session.environment} : {})};
  if (read.exit) run.exit = read.exit;
  if (deadline && !read.exit) run.error = {code: 'deadline', message: `no exit within ${options.deadlineMs} ms`};
  else if (read.error) run.error = read.error;
  return run;
}

async function run(target: SandboxTarget, body: CreateSessionRequest, limitMs: number, request: RunRequest, input: string | undefined) {
  const deadlineMs = request.timeoutSeconds === undefined ? limitMs + GRACE_MS : Math.round(request.timeoutSeconds * 1000);
  const session = await runToEnd(target, body, {deadlineMs, maxChars: keptChars(request), input});
  // A step run alone made an environment for this run only: it goes with the run.
  if (session.environment) await removeQuietly(target, session.environment);
  return toRunResult(session, request);
}

/** Best effort: an environment the server could not remove expires on its own. */
async function removeQuietly(target: SandboxTarget, environment: EnvironmentRef): Promise<void> {
  await target.opener.removeEnvironment?.(environment).catch(() => undefined);
}

/** The keystrokes a block's run is given: the agent's input, else the block's scripted input; an interactive block then leaves its shells. */
function blockInput(block: SandboxBlock, input: string | undefined): string | undefined {
  const keys = input === undefined ? (block.options.input === undefined ? undefined : scriptedInput(block.options.input)) : keystrokes(input);
  // Leaving the shells ends the run, as in `check`.
  return leaveShells(block, keys);
}

/**
 * A step of a page session runs in a new environment of its own, in which the
 * server first runs the earlier steps as authored (`catchUp`; their output is
 * not part of the result), so the step finds what it needs, as a reader who
 * opens a tutorial at step 3 does.
 */
export function runBlock(target: SandboxTarget, block: SandboxBlock, request: RunRequest & {files?: Array<{path: string; content: string}> | undefined}) {
  const catchUp = block.step !== undefined && block.step > 1;
  const body: CreateSessionRequest = {block: block.id, ...(request.files ? {files: request.files} : {}), ...(catchUp ? {catchUp} : {})};
  return run(target, body, block.options.timeout ?? target.defaultTimeoutMs, request, blockInput(block, request.input));
}

export function runCode(target: SandboxTarget, request: RunRequest & {env: string; cmd: string; files: Array<{path: string; content: string}>}) {
  const body: CreateSessionRequest = {env: request.env, cmd: request.cmd, files: request.files};
  return run(target, body, target.defaultTimeoutMs, request, request.input === undefined ? undefined : keystrokes(request.input));
}

const TAIL_CHARS = 2000;

async function checkBlock(target: SandboxTarget, block: SandboxBlock, environment: EnvironmentRef | undefined): Promise<BlockCheck> {
  if (block.options.skipCheck) return {report: skippedReport(block)};
  const options = {deadlineMs: (block.options.timeout ?? target.defaultTimeoutMs) + GRACE_MS, maxChars: 1024 * 1024, input: blockInput(block, undefined)};
  const attempt = (inEnvironment: EnvironmentRef | undefined) => runToEnd(target, {block: block.id, ...(inEnvironment ? {environment: inEnvironment} : {})}, options);
  let result = await attempt(environment);
  for (let retry = 0; retry < BUSY_RETRIES && result.error && BUSY_CODES.has(result.error.code); retry++) {
    await new Promise<void>((resolve) => target.clock.setTimeout(() => resolve(), busyDelayMs(retry)));
    // As in `check`: a refusal after the server made an environment retries in it.
    result = await attempt(environment ?? result.environment);
  }
  return {
    report: {
      ...reportBase(block),
      ...(result.exit ? {exitCode: result.exit.code, reason: result.exit.reason} : {}),
      durationMs: result.durationMs,
      verdict: judge(block, result),
      outputTail: result.output.slice(-TAIL_CHARS),
    },
    environment: result.environment,
  };
}

/** How `check_blocks` runs a block: through the target's opener, as the other tools do. */
export function targetChecker(target: SandboxTarget): BlockChecker {
  return {
    check: (block, environment) => checkBlock(target, block, environment),
    removeEnvironment: (environment) => removeQuietly(target, environment),
  };
}

/** `check --json`'s report for the chosen blocks (page sessions step by step, as `check` runs them), with at most `target.jobs` jobs at once. */
export async function checkSite(target: SandboxTarget, source: CheckSource, filter: string | undefined): Promise<unknown> {
  const report = await checkEach(source, {jobs: target.jobs, filter}, targetChecker(target));
  return JSON.parse(toJson(report)) as unknown;
}
