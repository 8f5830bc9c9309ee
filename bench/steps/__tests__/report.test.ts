/**
 * The step-start benchmark's pure helpers: percentiles, the phases of a Run,
 * the verdict against the `docker exec` floor, the printed report.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {formatStepsReport, judgeSteps, phaseBreakdown, phasesOf, percentiles, type StepRunMarks} from '../report.js';

const run = (overrides: Partial<StepRunMarks> = {}): StepRunMarks => ({
  postAnswered: 4,
  socketOpen: 6,
  firstByte: 14,
  seedWritten: 3,
  seeded: 10,
  engineOutput: 12,
  engineChecked: false,
  ...overrides,
});

describe('percentiles', () => {
  it('gives nearest-rank p50, p90 and p99 with the extremes', () => {
    const values = Array.from({length: 100}, (_, index) => 100 - index);
    assert.deepEqual(percentiles(values), {count: 100, p50: 50, p90: 90, p99: 99, min: 1, max: 100});
  });

  it('is NaN for no values', () => {
    const none = percentiles([]);
    assert.equal(none.count, 0);
    assert.ok(Number.isNaN(none.p50) && Number.isNaN(none.min));
  });
});

describe('phasesOf', () => {
  it('splits a Run into phases that add up to POST → first byte', () => {
    const phases = phasesOf(run());
    assert.equal(phases['post-to-seed'], 3);
    assert.equal(phases['seed-to-marker'], 7);
    assert.equal(phases['marker-to-output'], 2);
    assert.equal(phases['output-to-client'], 2);
    const sum = phases['post-to-seed']! + phases['seed-to-marker']! + phases['marker-to-output']! + phases['output-to-client']!;
    assert.equal(sum, run().firstByte);
  });

  it('relays from the socket opening when the output came first', () => {
    assert.equal(phasesOf(run({engineOutput: 5, socketOpen: 11, firstByte: 12}))['output-to-client'], 1);
  });

  it('files the POST under cached or checked by whether it waited for the engine check', () => {
    assert.equal(phasesOf(run())['post-to-seed-cached'], 3);
    assert.equal(phasesOf(run())['post-to-seed-checked'], undefined);
    assert.equal(phasesOf(run({engineChecked: true, seedWritten: 30}))['post-to-seed-checked'], 30);
  });

  it('leaves out phases whose marks the tap did not see', () => {
    const phases = phasesOf(run({seeded: undefined}));
    assert.equal(phases['seed-to-marker'], undefined);
    assert.equal(phases['marker-to-output'], undefined);
    const names = phaseBreakdown([run({seeded: undefined})]).map((phase) => phase.name);
    assert.ok(!names.includes('seed-to-marker') && !names.includes('post-to-seed-checked'));
    assert.ok(names.includes('post-to-seed'));
  });
});

describe('judgeSteps', () => {
  const floor = percentiles([100]);

  it('passes at exactly half the floor and fails just above', () => {
    assert.deepEqual(judgeSteps({step: percentiles([50]), floor}), [{path: 'step Run, back to back', ratio: 0.5, target: 0.5, ok: true}]);
    assert.equal(judgeSteps({step: percentiles([51]), floor})[0]!.ok, false);
  });

  it('judges the paused runs apart', () => {
    const verdicts = judgeSteps({step: percentiles([20]), paused: percentiles([60]), floor});
    assert.deepEqual(
      verdicts.map((verdict) => [verdict.path, verdict.ok]),
      [
        ['step Run, back to back', true],
        ['step Run after a pause', false],
      ],
    );
  });

  it('never passes without figures', () => {
    assert.equal(judgeSteps({step: percentiles([]), floor})[0]!.ok, false);
  });
});

describe('formatStepsReport', () => {
  it('prints every path beside the floor, the phases and the verdicts', () => {
    const report = formatStepsReport({
      step: percentiles([14]),
      paused: percentiles([60]),
      floor: percentiles([100]),
      plain: percentiles([25]),
      marks: [run(), run({engineChecked: true})],
      engineChecks: percentiles([20]),
    });
    assert.match(report, /docker exec create \+ start \+ attach → first byte \(floor\)\s+100\.0 ms/);
    assert.match(report, /plain block, warm pool/);
    assert.match(report, /seed written → seeded marker read .*\s+7\.00 ms/);
    assert.match(report, /runs whose POST waited for the engine check: 1\/2; the server's engine checks took p50 20\.0 ms/);
    assert.match(report, /back to back: p50 \/ docker exec p50 = 0\.14 \(target ≤ 0\.5\): PASS/);
    assert.match(report, /after a pause: p50 \/ docker exec p50 = 0\.60 \(target ≤ 0\.5\): FAIL/);
  });
});
