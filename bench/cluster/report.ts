/**
 * Pure helpers of the cluster benchmark: the cost of the balancer hop
 * (through nginx + gateway against straight to the same gateway, measured
 * interleaved in one run), the verdicts against the targets, the
 * load at which echo p99 crosses 10 ms, and the printed report.
 */
import {formatTable, summarize, type Summary} from '../server/stats.js';

/** The targets for the hop through nginx. */
export const TARGETS = {echoP50AddedMs: 0.15, firstByteP50AddedMs: 5, echoP99CeilingMs: 10} as const;

export interface HopFigures {
  straight: Summary;
  throughEntry: Summary;
}

export interface RampStep {
  sessions: number;
  echo: Summary;
  /** Keys whose echo had not come back before the next one was due. */
  missed: number;
}

export interface ClusterFigures {
  echo: HopFigures;
  firstByte: HopFigures;
  ramp: RampStep[];
}

export const hop = (straight: readonly number[], throughEntry: readonly number[]): HopFigures => ({straight: summarize(straight), throughEntry: summarize(throughEntry)});

/** The fewest sessions at which echo p99 went over the ceiling; undefined when no step did. */
export function crossing(ramp: readonly RampStep[], ceilingMs: number = TARGETS.echoP99CeilingMs): number | undefined {
  return [...ramp].sort((a, b) => a.sessions - b.sessions).find((step) => step.echo.p99 > ceilingMs)?.sessions;
}

export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

export function judgeCluster(figures: ClusterFigures): Verdict[] {
  const echoAdded = figures.echo.throughEntry.p50 - figures.echo.straight.p50;
  const firstAdded = figures.firstByte.throughEntry.p50 - figures.firstByte.straight.p50;
  return [
    {target: `echo p50 through nginx at most +${TARGETS.echoP50AddedMs} ms`, measured: `${echoAdded >= 0 ? '+' : ''}${ms(echoAdded)}`, met: echoAdded <= TARGETS.echoP50AddedMs},
    {target: `Run → first byte p50 through nginx at most +${TARGETS.firstByteP50AddedMs} ms`, measured: `${firstAdded >= 0 ? '+' : ''}${ms(firstAdded)}`, met: firstAdded <= TARGETS.firstByteP50AddedMs},
  ];
}

export function formatClusterReport(figures: ClusterFigures): string {
  const row = (what: string, figures: HopFigures, p: 'p99' | 'p95') => [
    [`${what}, straight to the gateway`, `${ms(figures.straight.p50)} / ${ms(figures.straight[p])} (${p})`, '', `n=${figures.straight.count}`],
    [`${what}, through nginx`, `${ms(figures.throughEntry.p50)} / ${ms(figures.throughEntry[p])} (${p})`, `+${ms(figures.throughEntry.p50 - figures.straight.p50)}`, `n=${figures.throughEntry.count}`],
  ];
  const hopTable = formatTable(['figure', 'p50 / tail', 'added', 'note'], [...row('echo round trip', figures.echo, 'p99'), ...row('Run → first byte', figures.firstByte, 'p95')]);
  const rampTable = formatTable(
    ['sessions typing 10 keys/s (through nginx, one node)', 'echo p50', 'echo p99', 'missed'],
    figures.ramp.map((step) => [String(step.sessions), ms(step.echo.p50), ms(step.echo.p99), String(step.missed)]),
  );
  const crossed = crossing(figures.ramp);
  const verdicts = judgeCluster(figures).map((verdict) => `${verdict.met ? 'met' : 'MISSED'}: ${verdict.target} (measured ${verdict.measured})`);
  return [
    hopTable,
    '',
    rampTable,
    crossed === undefined ? `echo p99 stayed at or under ${TARGETS.echoP99CeilingMs} ms up to ${Math.max(0, ...figures.ramp.map((step) => step.sessions))} sessions` : `echo p99 crossed ${TARGETS.echoP99CeilingMs} ms at ${crossed} sessions on the node`,
    '',
    ...verdicts,
  ].join('\n');
}
