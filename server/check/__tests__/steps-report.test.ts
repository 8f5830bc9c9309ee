/** How the table, JSON and JUnit show a page session's steps, a failed one and those not run after it. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {BlockReport} from '../block-report.js';
import {notRunAfter} from '../evaluate.js';
import {formatTable, statusWord, toJson, toJUnit, toTranscripts} from '../report.js';
import type {CheckReport} from '../run.js';

const session = {id: 'tour-1', name: 'tour', steps: 3};
const stepReport = (stepNumber: number, rest: Partial<BlockReport>): BlockReport => ({
  id: `s${stepNumber}`,
  source: 'docs/tour.md',
  line: stepNumber * 10,
  env: 'shell',
  session,
  step: stepNumber,
  durationMs: 400,
  verdict: {status: 'pass'},
  outputTail: '',
  ...rest,
});

const report: CheckReport = {
  blocks: [
    {id: 'lone', source: 'docs/a.md', line: 3, env: 'node', exitCode: 0, reason: 'exit', durationMs: 1200, verdict: {status: 'pass'}, outputTail: 'ok'},
    stepReport(1, {title: 'Make a file', exitCode: 0, reason: 'exit', transcript: [{at: 0, data: 'made'}]}),
    stepReport(2, {exitCode: 1, reason: 'exit', verdict: {status: 'fail', reason: 'exit-code', message: 'exit code 1, expected 0'}, outputTail: 'cat: notes.txt: No such file'}),
    stepReport(3, {durationMs: 0, verdict: notRunAfter(2)}),
  ],
  passed: 2,
  failed: 1,
  skipped: 0,
  notRun: 1,
  wallMs: 2000,
  sumMs: 2000,
  maxInFlight: 2,
  jobs: 2,
};

describe('reports of page sessions', () => {
  it('the table names each step by session and position, the failed step first, then those not run', () => {
    const table = formatTable(report);
    assert.match(table, /^docs\/a\.md:3\s+node\s+0\s+1\.2 s\s+pass$/m, 'a lone block reads as before');
    assert.match(table, /^docs\/tour\.md:10 \(tour, step 1 of 3\)\s+shell\s+0\s+0\.4 s\s+pass$/m);
    assert.match(table, /^docs\/tour\.md:20 \(tour, step 2 of 3\)\s+shell\s+1\s+0\.4 s\s+FAIL exit-code: exit code 1, expected 0$/m);
    assert.match(table, /^ {4}\| cat: notes\.txt: No such file$/m);
    assert.match(table, /^docs\/tour\.md:30 \(tour, step 3 of 3\)\s+shell\s+-\s+-\s+not run \(step 2 failed\)$/m);
    assert.match(table, /^2 passed, 1 failed, 1 not run, 0 skipped in 2\.0 s wall/m);
    assert.equal(statusWord(report.blocks[3]!.verdict), 'not run');
  });

  it('JSON gives each step its session and step number and the not-run verdict', () => {
    const parsed = JSON.parse(toJson(report)) as {notRun: number; blocks: Array<Record<string, unknown>>};
    assert.equal(parsed.notRun, 1);
    assert.deepEqual(parsed.blocks[0]!.session, undefined);
    assert.deepEqual([parsed.blocks[2]!.session, parsed.blocks[2]!.step], [session, 2]);
    assert.deepEqual(parsed.blocks[3]!.verdict, {status: 'not-run', reason: 'step-failed', failedStep: 2, message: 'not run (step 2 failed)'});
    assert.equal(parsed.blocks[1]!.transcript, undefined);
  });

  it('JUnit lists the steps in order as "Step N of M", under their session, a step not run as skipped', () => {
    const xml = toJUnit(report);
    assert.match(xml, /<testsuite name="docusaurus-sandbox check" tests="4" failures="1" skipped="1" /);
    const names = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((match) => `${match[1]} | ${match[2]}`);
    assert.deepEqual(names, [
      'docs/a.md | docs/a.md:3',
      'docs/tour.md (tour) | Step 1 of 3: docs/tour.md:10 Make a file',
      'docs/tour.md (tour) | Step 2 of 3: docs/tour.md:20',
      'docs/tour.md (tour) | Step 3 of 3: docs/tour.md:30',
    ]);
    assert.match(xml, /name="Step 2 of 3: docs\/tour\.md:20" time="0\.400">\n {4}<failure type="exit-code"/);
    assert.match(xml, /name="Step 3 of 3: docs\/tour\.md:30" time="0\.000"><skipped message="not run \(step 2 failed\)"\/><\/testcase>/);
  });

  it('--record keeps each step\'s transcript under its block id', () => {
    assert.deepEqual(Object.keys(toTranscripts(report, new Date(0)).transcripts), ['s1']);
  });
});
