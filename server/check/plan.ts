/**
 * What a check runs, in what groups: each lone block on its own, each page
 * session's steps together and in order (they share one environment, so they
 * are one unit of work). Pure: the manifest's blocks and sessions go in, the
 * units come out in the order of the manifest.
 */
import type {PageSession, SandboxBlock} from '../../config/block.js';

/** A page session as its steps' reports name it. */
export interface StepSession {
  id: string;
  /** The name the author gave (the id when the manifest does not list the session). */
  name: string;
  /** How many steps the session has in all, whether this check runs them all or not. */
  steps: number;
}

export type CheckUnit =
  | {kind: 'block'; block: SandboxBlock}
  /** `steps` in step order, step 1 first: the steps this check runs (all of them, or up to the last one the filter chose). */
  | {kind: 'page-session'; session: StepSession; steps: SandboxBlock[]};

/** The blocks (and page sessions) a check looks at: a manifest, or the MCP server's catalog. */
export interface CheckSource {
  blocks: readonly SandboxBlock[];
  sessions?: readonly PageSession[] | undefined;
}

/** `--filter`: the text occurs in the block's id, source file or title. */
export function matchesFilter(block: SandboxBlock, filter: string): boolean {
  return block.id.includes(filter) || block.source.includes(filter) || (block.title ?? '').includes(filter);
}

/**
 * The units to run. A filter that chooses a step (or names its session)
 * chooses the steps before it too, since the step needs what they leave
 * behind; steps after the last chosen one are not run. The steps come from
 * the blocks' own `session` and `step`, so a catalog without the manifest's
 * `sessions` list still groups them (the list only gives the names).
 */
export function planCheck(source: CheckSource, filter: string | undefined): CheckUnit[] {
  const names = new Map((source.sessions ?? []).map((session) => [session.id, session.name]));
  const stepsOf = new Map<string, SandboxBlock[]>();
  for (const block of source.blocks) {
    if (block.session === undefined) continue;
    const steps = stepsOf.get(block.session) ?? [];
    steps.push(block);
    stepsOf.set(block.session, steps);
  }
  for (const steps of stepsOf.values()) steps.sort((a, b) => (a.step ?? 0) - (b.step ?? 0));

  const units: CheckUnit[] = [];
  const planned = new Set<string>();
  for (const block of source.blocks) {
    if (block.session === undefined) {
      if (!filter || matchesFilter(block, filter)) units.push({kind: 'block', block});
      continue;
    }
    if (planned.has(block.session)) continue;
    planned.add(block.session);
    const steps = stepsOf.get(block.session)!;
    const name = names.get(block.session) ?? block.session;
    const last = !filter || name.includes(filter) ? steps.length - 1 : steps.findLastIndex((step) => matchesFilter(step, filter));
    if (last < 0) continue;
    units.push({kind: 'page-session', session: {id: block.session, name, steps: steps.length}, steps: steps.slice(0, last + 1)});
  }
  return units;
}

/** How many block reports the units give (a page session gives one per step it runs). */
export const plannedBlocks = (units: readonly CheckUnit[]): number =>
  units.reduce((sum, unit) => sum + (unit.kind === 'block' ? 1 : unit.steps.length), 0);

