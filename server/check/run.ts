/**
 * `docusaurus-sandbox check`: runs every block of a manifest through a server
 * (the same HTTP + WebSocket path a reader's click takes) with bounded
 * parallelism, and judges each run.
 */
import type {SandboxBlock} from '../../config/block.js';
import {runSession, type TranscriptChunk} from './client.js';
import {judge, leaveShells, scriptedInput, type Verdict} from './evaluate.js';

export interface BlockReport {
  id: string;
  source: string;
  line: number;
  env: string;
  title?: string;
  exitCode?: number;
  reason?: string;
  durationMs: number;
  verdict: Verdict;
  /** The last part of the output, for the failure message. */
  outputTail: string;
  transcript?: TranscriptChunk[];
}

export interface CheckReport {
  blocks: BlockReport[];
  passed: number;
  failed: number;
  skipped: number;
  wallMs: number;
  /** Sum of the blocks' own run times: wall time against it shows the parallelism won. */
  sumMs: number;
  /** Highest number of blocks this run had in flight at once (never above `jobs`). */
  maxInFlight: number;
  jobs: number;
}

export interface CheckOptions {
  serverUrl: string;
  jobs: number;
  /** Keep only blocks whose id, source or title contains this text. */
  filter?: string;
  /** Record transcripts (bounded) for the recorded-playback fallback. */
  record?: boolean;
  /** Extra time allowed beyond the block's own limit before the runner gives up (ms). */
  graceMs?: number;
  /** Default per-block limit when a block has none (ms). */
  defaultTimeoutMs: number;
  onProgress?: (done: number, total: number, report: BlockReport) => void;
}

export function selectBlocks(blocks: SandboxBlock[], filter: string | undefined): SandboxBlock[] {
  if (!filter) return blocks;
  return blocks.filter((block) => block.id.includes(filter) || block.source.includes(filter) || (block.title ?? '').includes(filter));
}

const TAIL_BYTES = 2000;
const BUSY_CODES = new Set(['rate-limited', 'too-many-sessions', 'at-capacity']);
const BUSY_RETRIES = 5;
const RECORD_BYTES = 64 * 1024;

async function checkBlock(block: SandboxBlock, options: CheckOptions): Promise<BlockReport> {
  const base = {id: block.id, source: block.source, line: block.line, env: block.env, ...(block.title ? {title: block.title} : {})};
  if (block.options.skipCheck) {
    return {...base, durationMs: 0, verdict: {status: 'skip', reason: 'skip-check'}, outputTail: ''};
  }
  const input = leaveShells(block, block.options.input === undefined ? undefined : scriptedInput(block.options.input));
  const limit = block.options.timeout ?? options.defaultTimeoutMs;
  const attempt = () =>
    runSession(
      options.serverUrl,
      {block: block.id},
      {
        deadlineMs: limit + (options.graceMs ?? 15_000),
        // Each line once the program waits for it, so the output (and a
        // recording) shows the prompt before the typed answer, as a reader saw it.
        ...(input === undefined ? {} : {input, paceInput: true}),
        record: options.record ?? false,
        maxOutputBytes: options.record ? RECORD_BYTES : undefined,
      },
    );
  let run = await attempt();
  // A shared server may be busy (its own limits apply to check's client too):
  // wait and retry a few times rather than report the block as broken.
  for (let retry = 0; retry < BUSY_RETRIES && run.error && BUSY_CODES.has(run.error.code); retry++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retry, 10_000)));
    run = await attempt();
  }
  return {
    ...base,
    ...(run.exit ? {exitCode: run.exit.code, reason: run.exit.reason} : {}),
    durationMs: run.durationMs,
    verdict: judge(block, run, {limitMs: limit}),
    outputTail: run.output.slice(-TAIL_BYTES),
    ...(run.transcript ? {transcript: run.transcript} : {}),
  };
}

export function checkBlocks(blocks: SandboxBlock[], options: CheckOptions): Promise<CheckReport> {
  return checkEach(blocks, options, (block) => checkBlock(block, options));
}

/**
 * The report of `checkOne` over the chosen blocks, with at most `jobs` of them
 * at once: `check` runs each through its server URL, the MCP tools through
 * their own session opener.
 */
export async function checkEach(
  blocks: SandboxBlock[],
  options: Pick<CheckOptions, 'jobs' | 'filter' | 'onProgress'>,
  checkOne: (block: SandboxBlock) => Promise<BlockReport>,
): Promise<CheckReport> {
  const selected = selectBlocks(blocks, options.filter);
  const jobs = Math.max(1, Math.floor(options.jobs));
  const reports: BlockReport[] = new Array(selected.length);
  const started = performance.now();
  let next = 0;
  let done = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  // A fixed set of workers pulling from a shared cursor: never more than `jobs` sessions.
  const worker = async () => {
    while (next < selected.length) {
      const index = next++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        reports[index] = await checkOne(selected[index]!);
      } finally {
        inFlight--;
      }
      options.onProgress?.(++done, selected.length, reports[index]!);
    }
  };
  await Promise.all(Array.from({length: Math.min(jobs, selected.length)}, worker));

  const count = (status: Verdict['status']) => reports.filter((report) => report.verdict.status === status).length;
  return {
    blocks: reports,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    wallMs: Math.round(performance.now() - started),
    sumMs: reports.reduce((sum, report) => sum + report.durationMs, 0),
    maxInFlight,
    jobs,
  };
}
