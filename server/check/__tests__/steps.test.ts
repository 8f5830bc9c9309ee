/**
 * Page sessions in `check`: which steps a filter runs, the steps' order and
 * shared environment, the steps after a failed one, the removal of the
 * environment, and one job per session, with a fake checker (no server).
 */
import {testBlock} from '../../../test/helpers/blocks.js';
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {PageSession, SandboxBlock} from '../../../config/block.js';
import type {EnvironmentRef} from '../../../protocol/index.js';
import {reportBase, skippedReport, type BlockCheck, type BlockChecker} from '../block-report.js';
import {planCheck, type CheckUnit} from '../plan.js';
import {checkEach} from '../run.js';
import {checkSteps} from '../steps.js';

const block = testBlock;
const step = (id: string, position: number, extra: Partial<SandboxBlock> = {}) =>
  block(id, {session: 'tour-1', step: position, line: position * 10, title: `Step ${id}`, ...extra});

const tour: PageSession = {id: 'tour-1', name: 'tour', source: 'docs/tour.md', env: 'shell', blocks: ['s1', 's2', 's3']};

/**
 * A checker that passes every block but those in `failing`, answers each
 * step with environment `env-<first step's id>`, and records what it was asked.
 */
function fakeChecker(options: {failing?: string[]; noEnvironment?: boolean; removeFails?: boolean; delayMs?: number} = {}) {
  const calls: Array<{id: string; environment: EnvironmentRef | undefined}> = [];
  const removed: EnvironmentRef[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const checker: BlockChecker = {
    async check(checked, environment): Promise<BlockCheck> {
      calls.push({id: checked.id, environment});
      if (checked.options.skipCheck) return {report: skippedReport(checked)};
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
      inFlight--;
      const fails = options.failing?.includes(checked.id) ?? false;
      const given = checked.session === undefined || options.noEnvironment ? undefined : (environment ?? {id: `env-${checked.id}`, token: `token-${checked.id}`});
      return {
        report: {
          ...reportBase(checked),
          exitCode: fails ? 1 : 0,
          reason: 'exit',
          durationMs: 5,
          verdict: fails ? {status: 'fail', reason: 'exit-code', message: 'exit code 1, expected 0'} : {status: 'pass'},
          outputTail: '',
        },
        environment: given,
      };
    },
    async removeEnvironment(environment) {
      removed.push(environment);
      if (options.removeFails) throw new Error('connection refused');
    },
  };
  return {checker, calls, removed, maxInFlight: () => maxInFlight};
}

const sessionUnit = (steps: SandboxBlock[]): Extract<CheckUnit, {kind: 'page-session'}> => ({
  kind: 'page-session',
  session: {id: 'tour-1', name: 'tour', steps: steps.length},
  steps,
});

describe('planCheck', () => {
  const blocks = [block('lone-a'), step('s2', 2), step('s1', 1), block('lone-b', {title: 'Other'}), step('s3', 3)];

  it('groups a page session into one unit, its steps in step order, at the place of its first block', () => {
    const units = planCheck({blocks, sessions: [tour]}, undefined);
    assert.deepEqual(
      units.map((unit) => (unit.kind === 'block' ? unit.block.id : unit.steps.map((each) => each.id).join('>'))),
      ['lone-a', 's1>s2>s3', 'lone-b'],
    );
    assert.deepEqual((units[1] as {session: unknown}).session, {id: 'tour-1', name: 'tour', steps: 3});
  });

  it('a filter that chooses a step runs the steps before it, not those after', () => {
    const units = planCheck({blocks, sessions: [tour]}, 'Step s2');
    assert.equal(units.length, 1);
    assert.deepEqual((units[0] as {steps: SandboxBlock[]}).steps.map((each) => each.id), ['s1', 's2']);
    assert.deepEqual((units[0] as {session: unknown}).session, {id: 'tour-1', name: 'tour', steps: 3}, 'the total stays the session\'s');
  });

  it('a filter naming the session runs all its steps; lone blocks are chosen as before', () => {
    const units = planCheck({blocks, sessions: [tour]}, 'tour');
    assert.deepEqual(units.map((unit) => unit.kind), ['block', 'page-session', 'block'], 'every block of docs/tour.md matches by source');
    assert.deepEqual(planCheck({blocks, sessions: [tour]}, 'Other').map((unit) => unit.kind), ['block']);
    assert.deepEqual(planCheck({blocks}, 'nothing'), []);
  });

  it('names a session the manifest does not list by its id', () => {
    const units = planCheck({blocks}, 's3');
    assert.deepEqual((units[0] as {session: unknown}).session, {id: 'tour-1', name: 'tour-1', steps: 3});
  });
});

describe('checkSteps', () => {
  it('runs the steps in order, each later one in the environment of the first answer, then removes it', async () => {
    const fake = fakeChecker();
    const reports = await checkSteps(sessionUnit([step('s1', 1), step('s2', 2), step('s3', 3)]), fake.checker);
    assert.deepEqual(fake.calls, [
      {id: 's1', environment: undefined},
      {id: 's2', environment: {id: 'env-s1', token: 'token-s1'}},
      {id: 's3', environment: {id: 'env-s1', token: 'token-s1'}},
    ]);
    assert.deepEqual(reports.map((report) => [report.step, report.verdict.status, report.session?.name]), [
      [1, 'pass', 'tour'],
      [2, 'pass', 'tour'],
      [3, 'pass', 'tour'],
    ]);
    assert.deepEqual(fake.removed, [{id: 'env-s1', token: 'token-s1'}]);
  });

  it('after a failed step 2 of 3, step 3 is not run and says so; the environment is removed all the same', async () => {
    const fake = fakeChecker({failing: ['s2']});
    const reports = await checkSteps(sessionUnit([step('s1', 1), step('s2', 2), step('s3', 3)]), fake.checker);
    assert.deepEqual(fake.calls.map((call) => call.id), ['s1', 's2'], 'step 3 never reached the server');
    assert.equal(reports[1]!.verdict.status, 'fail');
    assert.deepEqual(reports[2]!.verdict, {status: 'not-run', reason: 'step-failed', failedStep: 2, message: 'not run (step 2 failed)'});
    assert.deepEqual([reports[2]!.durationMs, reports[2]!.step, reports[2]!.id], [0, 3, 's3']);
    assert.deepEqual(fake.removed, [{id: 'env-s1', token: 'token-s1'}]);
  });

  it('a removal that fails is ignored', async () => {
    const fake = fakeChecker({removeFails: true});
    const reports = await checkSteps(sessionUnit([step('s1', 1), step('s2', 2)]), fake.checker);
    assert.deepEqual(reports.map((report) => report.verdict.status), ['pass', 'pass']);
    assert.equal(fake.removed.length, 1);
  });

  it('a skip-check step makes no environment: the next step that runs does', async () => {
    const fake = fakeChecker();
    await checkSteps(sessionUnit([step('s1', 1, {options: {...block('x').options, skipCheck: true}}), step('s2', 2), step('s3', 3)]), fake.checker);
    assert.deepEqual(fake.calls.map((call) => call.environment?.id), [undefined, undefined, 'env-s2']);
  });

  it('a server that answers a step without an environment fails it, and the later steps are not run', async () => {
    const fake = fakeChecker({noEnvironment: true});
    const reports = await checkSteps(sessionUnit([step('s1', 1), step('s2', 2)]), fake.checker);
    assert.equal(reports[0]!.verdict.status, 'fail');
    assert.match((reports[0]!.verdict as {message: string}).message, /without an environment.*does not support page sessions/);
    assert.equal(reports[1]!.verdict.status, 'not-run');
    assert.deepEqual(fake.removed, []);
  });
});

describe('checkEach with page sessions', () => {
  it('a page session is one job; the report keeps the plan order and counts the steps not run', async () => {
    const fake = fakeChecker({failing: ['s1'], delayMs: 20});
    const blocks = [block('lone-a'), step('s1', 1), step('s2', 2), step('s3', 3), block('lone-b')];
    const report = await checkEach({blocks, sessions: [tour]}, {jobs: 2}, fake.checker);
    assert.deepEqual(report.blocks.map((each) => each.id), ['lone-a', 's1', 's2', 's3', 'lone-b']);
    assert.deepEqual([report.passed, report.failed, report.notRun, report.skipped], [2, 1, 2, 0]);
    assert.ok(report.maxInFlight <= 2);
    assert.ok(fake.maxInFlight() <= 2);
    const lone = report.blocks[0]!;
    assert.equal(lone.session, undefined, 'a lone block has no session or step, as before');
    assert.equal(lone.step, undefined);
  });

  it('reports progress once per block, steps included', async () => {
    const fake = fakeChecker();
    const seen: string[] = [];
    await checkEach({blocks: [step('s1', 1), step('s2', 2)]}, {jobs: 4, onProgress: (done, total, last) => seen.push(`${done}/${total} ${last.id}`)}, fake.checker);
    assert.deepEqual(seen, ['1/2 s1', '2/2 s2']);
  });
});
