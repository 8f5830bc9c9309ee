/**
 * The benchmark's pure helpers: percentiles and the judging of the server's speed
 * targets against figures of one run. (Run with
 * `node --import tsx --test bench/server/__tests__/stats.test.ts`.)
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type Figures, formatReport, judge, percentile, summarize} from '../stats.js';

const flat = (value: number) => summarize([value]);
const cpu = {dockerd: 1, containerd: 1, shims: 1, benchClients: 1};

function figures(overrides: {warm?: number; cold?: number; echo?: number; echoP99?: number; acked?: number; active?: number; concurrentP99?: number} = {}): Figures {
  return {
    firstByte: {floor: flat(200), cold: flat(overrides.cold ?? 210), warm: flat(overrides.warm ?? 20), take: flat(5), warmTakes: 1, warmRuns: 1},
    echo: {direct: flat(0.2), relay: flat(0.25), server: summarize([overrides.echo ?? 0.3, overrides.echoP99 ?? 0.3])},
    throughput: {directMBps: 60, serverAckedMBps: overrides.acked ?? 58, serverUnackedMBps: 59},
    memory: {sessions: 10, idleBytesPerSession: 10_000, activeBytesPerSession: overrides.active ?? 20_000, activeRingBytesPerSession: 100, idleHeapPerSession: 1, activeHeapPerSession: 2},
    concurrent: {sessions: 200, echo: flat(overrides.concurrentP99 ?? 5), serverCpuPercent: 10, missedTicks: 0, cpuPercent: cpu, direct: {echo: flat(4), missedTicks: 0, cpuPercent: cpu}, relay: {echo: flat(4.5), missedTicks: 0, cpuPercent: cpu, relayCpuPercent: 9}},
  };
}

describe('percentile', () => {
  it('is the nearest rank, whatever the order', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 95), 10);
    assert.equal(percentile(values, 10), 1);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarize gives count, extremes and mean', () => {
    assert.deepEqual(summarize([1, 2, 3, 4]), {count: 4, p50: 2, p95: 4, p99: 4, min: 1, max: 4, mean: 2.5});
  });
});

describe('judge', () => {
  it('passes figures within every target', () => {
    assert.deepEqual(judge(figures()).filter((verdict) => !verdict.ok), []);
  });

  it('fails each target just beyond its bound', () => {
    const failed = (input: Parameters<typeof figures>[0]) => judge(figures(input)).filter((verdict) => !verdict.ok).map((verdict) => verdict.name);
    assert.deepEqual(failed({warm: 51}), ['warm Run → first byte p50']);
    assert.deepEqual(failed({cold: 231}), ['cold Run → first byte p50']);
    assert.deepEqual(failed({echo: 0.36, echoP99: 0.36}), ['echo round trip p50']);
    assert.deepEqual(failed({echoP99: 2.1}), ['echo round trip p99']);
    assert.deepEqual(failed({acked: 53}), ['throughput (50 MB, acking client)']);
    assert.deepEqual(failed({active: 33 * 1024}), ['server RSS per active session']);
    assert.deepEqual(failed({active: -98 * 1024}), ['server RSS per active session'], 'a falling RSS is noise, not a pass');
    assert.deepEqual(failed({concurrentP99: 11}), ['200 concurrent sessions: echo p99']);
  });

  it('the warm target is also relative: ≤ 0.25× the floor', () => {
    const fast = figures({warm: 45});
    fast.firstByte.floor = flat(100);
    assert.equal(judge(fast).find((verdict) => verdict.name.startsWith('warm'))!.ok, false);
  });

  it('the report prints every figure and verdict', () => {
    const report = formatReport(figures({warm: 51}));
    assert.match(report, /Run → first byte, floor/);
    assert.match(report, /200 sessions typing, direct attaches/);
    assert.match(report, /MISSED/);
  });
});
