/**
 * `docusaurus-sandbox check`: runs every block of a manifest through a server
 * (the same HTTP + WebSocket path a reader's click takes) with bounded
 * parallelism, and judges each run. A page session's steps run one after the
 * other in one environment, and count as one job.
 */
import type {SandboxBlock} from '../../config/block.js';
import type {EnvironmentRef} from '../../protocol/index.js';
import {skippedReport, reportBase, type BlockCheck, type BlockChecker, type BlockReport} from './block-report.js';
import {runSession} from './client.js';
import {removeEnvironment, REMOVE_DEADLINE_MS} from './create-session.js';
import {judge, leaveShells, scriptedInput, type Verdict} from './evaluate.js';
import {planCheck, plannedBlocks, type CheckSource} from './plan.js';
import {checkSteps} from './steps.js';

export interface CheckReport {
  blocks: BlockReport[];
  passed: number;
  failed: number;
  skipped: number;
  /** Steps of page sessions not run because an earlier step failed. */
  notRun: number;
  wallMs: number;
  /** Sum of the blocks' own run times: wall time against it shows the parallelism won. */
  sumMs: number;
  /** Highest number of jobs (blocks, or page sessions) this run had in flight at once (never above `jobs`). */
  maxInFlight: number;
  jobs: number;
}

export interface CheckOptions {
  serverUrl: string;
  jobs: number;
  /** Keep only blocks whose id, source or title contains this text (and the steps before a chosen step). */
  filter?: string;
  /** Record transcripts (bounded) for the recorded-playback fallback. */
  record?: boolean;
  /** Extra time allowed beyond the block's own limit before the runner gives up (ms). */
  graceMs?: number;
  /** Default per-block limit when a block has none (ms). */
  defaultTimeoutMs: number;
  onProgress?: (done: number, total: number, report: BlockReport) => void;
}

const TAIL_BYTES = 2000;
const RECORD_BYTES = 64 * 1024;

/**
 * Refusals of a busy server, which `check` and `check_blocks` wait out and
 * retry rather than report as a broken block: a shared server's own limits
 * apply to their client too, and `busy` is an environment whose previous step
 * the server has not finished ending.
 */
export const BUSY_CODES: ReadonlySet<string> = new Set(['rate-limited', 'too-many-sessions', 'at-capacity', 'busy']);
export const BUSY_RETRIES = 5;
export const busyDelayMs = (retry: number): number => Math.min(1000 * 2 ** retry, 10_000);

async function checkBlock(block: SandboxBlock, options: CheckOptions, environment: EnvironmentRef | undefined): Promise<BlockCheck> {
  if (block.options.skipCheck) return {report: skippedReport(block)};
  const input = leaveShells(block, block.options.input === undefined ? undefined : scriptedInput(block.options.input));
  const limit = block.options.timeout ?? options.defaultTimeoutMs;
  const attempt = (inEnvironment: EnvironmentRef | undefined) =>
    runSession(
      options.serverUrl,
      {block: block.id, ...(inEnvironment ? {environment: inEnvironment} : {})},
      {
        deadlineMs: limit + (options.graceMs ?? 15_000),
        // Each line once the program waits for it, so the output (and a
        // recording) shows the prompt before the typed answer, as a reader saw it.
        ...(input === undefined ? {} : {input, paceInput: true}),
        record: options.record ?? false,
        maxOutputBytes: options.record ? RECORD_BYTES : undefined,
      },
    );
  let run = await attempt(environment);
  for (let retry = 0; retry < BUSY_RETRIES && run.error && BUSY_CODES.has(run.error.code); retry++) {
    await new Promise((resolve) => setTimeout(resolve, busyDelayMs(retry)));
    // A refusal that came after the server made an environment retries in it, so none is left behind.
    run = await attempt(environment ?? run.environment);
  }
  return {
    report: {
      ...reportBase(block),
      ...(run.exit ? {exitCode: run.exit.code, reason: run.exit.reason} : {}),
      durationMs: run.durationMs,
      verdict: judge(block, run, {limitMs: limit}),
      outputTail: run.output.slice(-TAIL_BYTES),
      ...(run.transcript ? {transcript: run.transcript} : {}),
    },
    environment: run.environment,
  };
}

/** How `check` runs a block: over `options.serverUrl`, as a reader's browser does. */
export function serverChecker(options: CheckOptions): BlockChecker {
  return {
    check: (block, environment) => checkBlock(block, options, environment),
    removeEnvironment: (environment) => removeEnvironment(options.serverUrl, environment, {deadlineMs: REMOVE_DEADLINE_MS}),
  };
}

export function checkBlocks(source: CheckSource, options: CheckOptions): Promise<CheckReport> {
  return checkEach(source, options, serverChecker(options));
}

/**
 * The report of `checker` over the chosen blocks, with at most `jobs` jobs
 * at once: a lone block is a job, and so is a page session (its steps run in
 * order, one at a time). `check` runs each through its server URL, the MCP
 * tools through their own session opener.
 */
export async function checkEach(
  source: CheckSource,
  options: Pick<CheckOptions, 'jobs' | 'filter' | 'onProgress'>,
  checker: BlockChecker,
): Promise<CheckReport> {
  const units = planCheck(source, options.filter);
  // Each unit's reports start at its offset, so the report keeps the plan's order whatever finishes first.
  const offsets: number[] = [];
  let total = 0;
  for (const unit of units) {
    offsets.push(total);
    total += plannedBlocks([unit]);
  }
  const jobs = Math.max(1, Math.floor(options.jobs));
  const reports: BlockReport[] = new Array(total);
  const started = performance.now();
  let next = 0;
  let done = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const record = (index: number, report: BlockReport) => {
    reports[index] = report;
    options.onProgress?.(++done, total, report);
  };

  // A fixed set of workers pulling from a shared cursor: never more than `jobs` sessions.
  const worker = async () => {
    while (next < units.length) {
      const index = next++;
      const unit = units[index]!;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (unit.kind === 'block') record(offsets[index]!, (await checker.check(unit.block)).report);
        else await checkSteps(unit, checker, (report, step) => record(offsets[index]! + step, report));
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(jobs, units.length)}, worker));

  const count = (status: Verdict['status']) => reports.filter((report) => report.verdict.status === status).length;
  return {
    blocks: reports,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    notRun: count('not-run'),
    wallMs: Math.round(performance.now() - started),
    sumMs: reports.reduce((sum, report) => sum + report.durationMs, 0),
    maxInFlight,
    jobs,
  };
}
