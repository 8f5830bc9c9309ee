/**
 * A page session's steps checked as a reader runs them: in order, in one
 * environment (the first answered step's), each judged like any block. After
 * a failed step the later ones are reported as not run, since each needs what
 * the earlier ones leave behind. The environment is removed at the end,
 * passed or failed, so its container does not wait for the idle expiry.
 */
import type {EnvironmentRef} from '../../protocol/index.js';
import {reportBase, type BlockChecker, type BlockReport} from './block-report.js';
import {notRunAfter} from './evaluate.js';
import type {CheckUnit} from './plan.js';

type PageSessionUnit = Extract<CheckUnit, {kind: 'page-session'}>;

/** A step that passed though its server gave no environment to run the next one in. */
const NO_ENVIRONMENT =
  'the server answered this step without an environment, so the later steps cannot run in the same one: it does not support page sessions (upgrade it)';

/** Checks the unit's steps in order; `onReport` gets each step's report as it is known (not-run steps too). */
export async function checkSteps(unit: PageSessionUnit, checker: BlockChecker, onReport: (report: BlockReport, index: number) => void = () => {}): Promise<BlockReport[]> {
  const reports: BlockReport[] = [];
  const add = (report: BlockReport) => {
    const index = reports.push(report) - 1;
    onReport(report, index);
  };
  let environment: EnvironmentRef | undefined;
  let failedStep: number | undefined;
  try {
    for (const [index, block] of unit.steps.entries()) {
      const step = block.step ?? index + 1;
      const position = {session: unit.session, step};
      if (failedStep !== undefined) {
        add({...reportBase(block), ...position, durationMs: 0, verdict: notRunAfter(failedStep), outputTail: ''});
        continue;
      }
      const checked = await checker.check(block, environment);
      // Steps skipped with skip-check make none: the first step that runs gives it.
      environment ??= checked.environment;
      let {verdict} = checked.report;
      const more = index < unit.steps.length - 1;
      if (verdict.status === 'pass' && more && environment === undefined) verdict = {status: 'fail', reason: 'error', message: NO_ENVIRONMENT};
      if (verdict.status === 'fail') failedStep = step;
      add({...checked.report, ...position, verdict});
    }
  } finally {
    // Best effort: an environment the server could not remove expires on its own.
    if (environment) await checker.removeEnvironment(environment).catch(() => undefined);
  }
  return reports;
}
