import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {summarize} from '../../server/stats.js';
import {crossing, formatClusterReport, hop, judgeCluster, type ClusterFigures} from '../report.js';

const step = (sessions: number, p99: number) => ({sessions, echo: summarize([1, p99]), missed: 0});
const figures = (echoThrough: number[], firstThrough: number[]): ClusterFigures => ({
  echo: hop([1, 1, 1], echoThrough),
  firstByte: hop([200, 200, 200], firstThrough),
  ramp: [step(40, 12), step(10, 3), step(20, 11)],
});

describe('cluster bench report', () => {
  it('finds the fewest sessions at which echo p99 crossed 10 ms', () => {
    assert.equal(crossing([step(40, 12), step(10, 3), step(20, 11)]), 20);
    assert.equal(crossing([step(10, 3)]), undefined);
  });

  it('judges the hop against the targets (+0.15 ms echo, +5 ms first byte at p50)', () => {
    assert.deepEqual(judgeCluster(figures([1.1, 1.1, 1.1], [204, 204, 204])).map((verdict) => verdict.met), [true, true]);
    assert.deepEqual(judgeCluster(figures([1.2, 1.2, 1.2], [206, 206, 206])).map((verdict) => verdict.met), [false, false]);
  });

  it('prints both hops, the ramp, the crossing and the verdicts', () => {
    const text = formatClusterReport(figures([1.1, 1.1, 1.1], [204, 204, 204]));
    assert.match(text, /echo round trip, through nginx\s+1\.10 ms/);
    assert.match(text, /echo p99 crossed 10 ms at 20 sessions/);
    assert.match(text, /met: echo p50 through nginx at most \+0\.15 ms \(measured \+0\.10 ms\)/);
  });
});
