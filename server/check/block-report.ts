/**
 * One block's line in a check report, and the seam through which a check
 * runs a block: `check` runs it over a server URL, the MCP tools through
 * their session opener; the worker pool and the step sequencing are shared.
 */
import type {SandboxBlock} from '../../config/block.js';
import type {EnvironmentRef} from '../../protocol/index.js';
import type {TranscriptChunk} from './client.js';
import type {Verdict} from './evaluate.js';
import type {StepSession} from './plan.js';

export interface BlockReport {
  id: string;
  source: string;
  line: number;
  env: string;
  title?: string;
  /** A step of a page session: the session it belongs to. */
  session?: StepSession;
  /** A step of a page session: its 1-based position. */
  step?: number;
  exitCode?: number;
  reason?: string;
  durationMs: number;
  verdict: Verdict;
  /** The last part of the output, for the failure message. */
  outputTail: string;
  transcript?: TranscriptChunk[];
}

/** One block checked: its report, and the environment the server ran it in (a step of a page session). */
export interface BlockCheck {
  report: BlockReport;
  environment?: EnvironmentRef | undefined;
}

export interface BlockChecker {
  /** Runs and judges one block; a later step of a page session runs in `environment`, the earlier steps'. */
  check(block: SandboxBlock, environment?: EnvironmentRef): Promise<BlockCheck>;
  /** Removes a page session's environment after its last step. May fail: the caller ignores it. */
  removeEnvironment(environment: EnvironmentRef): Promise<unknown>;
}

/** The fields of a report that come from the block itself. */
export const reportBase = (block: SandboxBlock) => ({
  id: block.id,
  source: block.source,
  line: block.line,
  env: block.env,
  ...(block.title ? {title: block.title} : {}),
});

/** The report of a block `check` does not run because its author said so. */
export const skippedReport = (block: SandboxBlock): BlockReport => ({
  ...reportBase(block),
  durationMs: 0,
  verdict: {status: 'skip', reason: 'skip-check'},
  outputTail: '',
});
