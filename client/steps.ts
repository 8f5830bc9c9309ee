/**
 * The decisions of a page session's step, as pure functions: where a Run of
 * step N goes (the shared environment, a new one, or an offer to the reader
 * when earlier steps have not run there), the request each choice sends, and
 * the one retry after the server forgot the environment.
 */
import type {CreateSessionRequest, EnvironmentRef} from '../protocol/index.js';
import type {KnownEnvironment} from './environment.js';

/** The `session` prop of a step's `<Sandbox>`, read back. */
export interface PageSessionInfo {
  /** The page session's id (manifest `sessions[].id`). */
  readonly id: string;
  /** The name the author gave, shown on the blocks. */
  readonly name: string;
  /** How many steps it has. */
  readonly steps: number;
}

/** A name longer than this is cut for the badge; the author's name is a word or two. */
export const MAX_SESSION_NAME_CHARS = 80;
const MAX_SESSION_ID_CHARS = 512;

/** The `session` prop (`{"id","name","steps"}` as JSON), or undefined when absent or malformed (the block then runs alone). */
export function parseSessionProp(text: string | undefined): PageSessionInfo | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const {id, name, steps} = value as {id?: unknown; name?: unknown; steps?: unknown};
  if (typeof id !== 'string' || id === '' || id.length > MAX_SESSION_ID_CHARS) return undefined;
  if (typeof name !== 'string' || !Number.isSafeInteger(steps) || (steps as number) < 1) return undefined;
  return {id, name: name.slice(0, MAX_SESSION_NAME_CHARS), steps: steps as number};
}

/** The steps before `step` that have not run in the environment (all of them without one). */
export function missingSteps(step: number, ran: readonly number[] | undefined): number[] {
  const done = new Set(ran ?? []);
  return Array.from({length: Math.max(0, step - 1)}, (_, index) => index + 1).filter((earlier) => !done.has(earlier));
}

/** Where a step's run goes: into the page's environment, a new one, or none yet (the catch-up choice of a `catch-up` request). */
export type StepMode = 'environment' | 'new' | 'catch-up';

/**
 * What Run on a step does. Step 1, and a step whose earlier steps all ran in
 * the environment, just run; otherwise the reader chooses (`missing`: the
 * earlier steps that have not run there).
 */
export type StepPlan = {action: 'run'; mode: 'environment' | 'new'} | {action: 'offer'; missing: number[]};

export function planStep(step: number, environment: KnownEnvironment | undefined): StepPlan {
  const missing = missingSteps(step, environment?.ran);
  if (missing.length > 0) return {action: 'offer', missing};
  return {action: 'run', mode: environment ? 'environment' : 'new'};
}

/**
 * The reader's answer to the offer: "Run steps 1–(N−1) first" (a new
 * environment in which the server runs the earlier steps as authored) or "Run
 * only this step" (in the environment there is, or a new one).
 */
export type StepChoice = 'catch-up' | 'only-this';

export function modeForChoice(choice: StepChoice, environment: KnownEnvironment | undefined): StepMode {
  if (choice === 'catch-up') return 'catch-up';
  return environment ? 'environment' : 'new';
}

/** The POST body of a step's run: the block's own request plus where it runs. */
export function stepRequest(request: CreateSessionRequest, mode: StepMode, ref: EnvironmentRef | undefined): CreateSessionRequest {
  const {environment: _environment, catchUp: _catchUp, ...plain} = request;
  if (mode === 'catch-up') return {...plain, catchUp: true};
  if (mode === 'environment' && ref) return {...plain, environment: {id: ref.id, token: ref.token}};
  return plain;
}

/** The refusals (an `ErrorCode`; a string so that status.ts, which formats steps, stays below this file) that mean the environment the page named is of no use any more: unknown or expired, or not ours. */
export const isEnvironmentGone = (code: string): boolean => code === 'environment-not-found' || code === 'environment-unauthorized';

/**
 * The request to try once more after a refusal, or undefined for none: a run
 * in an environment the server no longer has (or that is not ours) starts a
 * fresh one instead. The offer then applies again on the next Run, since the
 * new environment has not run the earlier steps.
 */
export function retryAfterRefusal(request: CreateSessionRequest, code: string): CreateSessionRequest | undefined {
  if (!request.environment || !isEnvironmentGone(code)) return undefined;
  return stepRequest(request, 'new', undefined);
}

/** What a step does after the server refused its run: try once more with `request`, offer the earlier steps again, or report the refusal. */
export type RefusalPlan = {action: 'retry'; request: CreateSessionRequest} | {action: 'offer'; missing: number[]} | {action: 'report'};

/**
 * After a refusal of step `step`'s run: an environment the server no longer
 * has (it ended while the reader read, or is not ours) is of no use. Step 1
 * just starts a fresh one; a later step alone in a fresh environment would
 * miss what the earlier steps left there, so the reader is offered the choice
 * again, as on a fresh page.
 */
export function planAfterRefusal(step: number, request: CreateSessionRequest, code: string): RefusalPlan {
  const retry = retryAfterRefusal(request, code);
  if (!retry) return {action: 'report'};
  const missing = missingSteps(step, undefined);
  return missing.length > 0 ? {action: 'offer', missing} : {action: 'retry', request: retry};
}

/** Steps as short ranges for the reader: [1, 2, 3, 5] → "1–3, 5"; [1, 2] → "1–2". */
export function formatSteps(steps: readonly number[]): string {
  const sorted = [...new Set(steps)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length; index += 1) {
    const first = sorted[index]!;
    let last = first;
    while (sorted[index + 1] === last + 1) last = sorted[++index]!;
    parts.push(last === first ? String(first) : `${first}–${last}`);
  }
  return parts.join(', ');
}
