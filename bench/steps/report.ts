/**
 * Pure helpers of the step-start benchmark: the percentiles it prints, the
 * split of a step's Run into phases, the verdict against the `docker exec`
 * floor, and the printed tables.
 */
import {formatTable, percentile} from '../server/stats.js';

/** The step's p50 must be at most this fraction of the `docker exec` floor's p50 (the target). */
export const TARGET_RATIO = 0.5;

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    min: values.length === 0 ? Number.NaN : Math.min(...values),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/**
 * What one Run of a step was observed doing, in ms after the POST was sent.
 * The client sees the first three; the server-side marks come from the
 * runtime tap (tap.ts) and are absent when it missed them.
 */
export interface StepRunMarks {
  postAnswered: number;
  socketOpen: number;
  firstByte: number;
  /** The seed written into the waiting standby. */
  seedWritten?: number | undefined;
  /** The standby's SEEDED_MARKER read back. */
  seeded?: number | undefined;
  /** The step's first output byte read from the engine. */
  engineOutput?: number | undefined;
  /** The POST found the engine check's cache stale and waited for ping + version + info. */
  engineChecked: boolean;
}

export type PhaseName =
  | 'post-to-seed'
  | 'post-to-seed-cached'
  | 'post-to-seed-checked'
  | 'seed-to-marker'
  | 'marker-to-output'
  | 'output-to-client'
  | 'post-answered'
  | 'socket-open';

/** The phases of a Run, in the order they happen; the four unindented ones add up to POST → first byte. */
export const PHASES: ReadonlyArray<{name: PhaseName; what: string}> = [
  {name: 'post-to-seed', what: 'POST sent → seed written (HTTP, body, engine check, session and step set-up)'},
  {name: 'post-to-seed-cached', what: '  of which runs with the engine check answered from its cache'},
  {name: 'post-to-seed-checked', what: '  of which runs whose POST waited for ping + version + info'},
  {name: 'seed-to-marker', what: 'seed written → seeded marker read (the standby reads, unpacks, restores the TTY)'},
  {name: 'marker-to-output', what: 'seeded marker → first output byte at the server (state restored, command run)'},
  {name: 'output-to-client', what: 'output at the server (or socket open, if later) → first byte at the client'},
  {name: 'post-answered', what: 'POST sent → its answer received (client side)'},
  {name: 'socket-open', what: 'POST sent → WebSocket open (client side)'},
];

/** The duration of each phase of one Run; undefined for a phase whose marks were not seen (or that does not apply). */
export function phasesOf(run: StepRunMarks): Record<PhaseName, number | undefined> {
  const {seedWritten, seeded, engineOutput} = run;
  const between = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? undefined : to - from);
  return {
    'post-to-seed': seedWritten,
    'post-to-seed-cached': run.engineChecked ? undefined : seedWritten,
    'post-to-seed-checked': run.engineChecked ? seedWritten : undefined,
    'seed-to-marker': between(seedWritten, seeded),
    'marker-to-output': between(seeded, engineOutput),
    // The server sends nothing before the socket is open: the last of the two is where the relay starts.
    'output-to-client': engineOutput === undefined ? undefined : run.firstByte - Math.max(engineOutput, run.socketOpen),
    'post-answered': run.postAnswered,
    'socket-open': run.socketOpen,
  };
}

/** Percentiles of each phase over `runs` (phases never seen are left out). */
export function phaseBreakdown(runs: readonly StepRunMarks[]): Array<{name: PhaseName; what: string; stats: Percentiles}> {
  const phases = runs.map(phasesOf);
  return PHASES.map(({name, what}) => ({
    name,
    what,
    stats: percentiles(phases.map((phase) => phase[name]).filter((value): value is number => value !== undefined)),
  })).filter((phase) => phase.stats.count > 0);
}

export interface StepFigures {
  /** POST (step 2, in the running environment) → first byte, back to back. */
  step: Percentiles;
  /** The same after a pause longer than the engine check's cache: what a reader who read the output first pays. */
  paused?: Percentiles | undefined;
  /** `docker exec` create + start (hijacked, attached) → first byte, in the same container. */
  floor: Percentiles;
  /** POST (a plain block, warm pool) → first byte. */
  plain?: Percentiles | undefined;
  /** Runs of `step` and `paused` together, for the phase split. */
  marks: readonly StepRunMarks[];
  /** How long each of the server's engine checks (ping + version + info) took, ms. */
  engineChecks?: Percentiles | undefined;
}

export interface StepVerdict {
  path: string;
  ratio: number;
  target: number;
  ok: boolean;
}

/**
 * The step's p50 over the `docker exec` floor's p50 of the same run, against
 * TARGET_RATIO: for the back-to-back runs and, when measured, for the runs
 * after a pause (a reader's usual click, which finds the engine check stale).
 */
export function judgeSteps(figures: Pick<StepFigures, 'step' | 'paused' | 'floor'>): StepVerdict[] {
  const verdict = (path: string, stats: Percentiles): StepVerdict => {
    const ratio = stats.p50 / figures.floor.p50;
    return {path, ratio, target: TARGET_RATIO, ok: Number.isFinite(ratio) && ratio <= TARGET_RATIO};
  };
  return [verdict('step Run, back to back', figures.step), ...(figures.paused ? [verdict('step Run after a pause', figures.paused)] : [])];
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : `${value.toFixed(value < 10 ? 2 : 1)} ms`);
const row = (name: string, stats: Percentiles, floor: number) => [
  name,
  ms(stats.p50),
  ms(stats.p90),
  ms(stats.p99),
  `${(stats.p50 / floor).toFixed(2)}×`,
  `n=${stats.count}`,
];

/** The tables the benchmark prints: each path beside the floor, the phases, the verdict. */
export function formatStepsReport(figures: StepFigures): string {
  const floor = figures.floor.p50;
  const rows = [
    row('docker exec create + start + attach → first byte (floor)', figures.floor, floor),
    row('step Run in the running environment: POST → first byte', figures.step, floor),
    ...(figures.paused ? [row('  the same after a pause (engine check refreshed)', figures.paused, floor)] : []),
    ...(figures.plain ? [row('plain block, warm pool: POST → first byte', figures.plain, floor)] : []),
  ];
  const paths = formatTable(['path', 'p50', 'p90', 'p99', 'p50 / floor', ''], rows);
  const phases = formatTable(
    ['phase of a step Run (all runs)', 'p50', 'p90', 'p99', ''],
    phaseBreakdown(figures.marks).map(({what, stats}) => [what, ms(stats.p50), ms(stats.p90), ms(stats.p99), `n=${stats.count}`]),
  );
  const checked = figures.marks.filter((run) => run.engineChecked).length;
  const engine = figures.engineChecks;
  return [
    paths,
    '',
    phases,
    `runs whose POST waited for the engine check: ${checked}/${figures.marks.length}` +
      (engine && engine.count > 0 ? `; the server's engine checks took p50 ${ms(engine.p50)}, p90 ${ms(engine.p90)} (n=${engine.count})` : ''),
    '',
    ...judgeSteps(figures).map(
      (verdict) => `${verdict.path}: p50 / docker exec p50 = ${verdict.ratio.toFixed(2)} (target ≤ ${verdict.target}): ${verdict.ok ? 'PASS' : 'FAIL'}`,
    ),
  ].join('\n');
}
