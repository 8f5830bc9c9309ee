/**
 * Pure helpers of the server benchmark: percentiles, summaries, the speed
 * targets judged against the figures of one run, and the printed table.
 */

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of `values` (need not be sorted); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  const count = values.length;
  const mean = count === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / count;
  return {
    count,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    min: count === 0 ? Number.NaN : Math.min(...values),
    max: count === 0 ? Number.NaN : Math.max(...values),
    mean,
  };
}

export interface EngineCpu {
  dockerd: number;
  containerd: number;
  shims: number;
  benchClients: number;
}

/** The figures one run produces (ms, MB/s, bytes, percent of one core). */
export interface Figures {
  firstByte: {floor: Summary; cold: Summary; warm: Summary; warmTakes: number; warmRuns: number; take: Summary};
  /** `relay`: a bare ws relay in its own process (relay.ts), the floor of any out-of-process server. */
  echo: {direct: Summary; relay: Summary; server: Summary};
  throughput: {directMBps: number; serverAckedMBps: number; serverUnackedMBps: number};
  memory: {
    sessions: number;
    /** RSS delta per session (bytes), V8's young generation excluded (it follows the allocation rate). */
    idleBytesPerSession: number;
    /** The same, minus the bytes its replay ring holds. */
    activeBytesPerSession: number;
    activeRingBytesPerSession: number;
    /** heapUsed + external delta per session, after GC. */
    idleHeapPerSession: number;
    activeHeapPerSession: number;
  };
  concurrent: {
    sessions: number;
    echo: Summary;
    serverCpuPercent: number;
    missedTicks: number;
    /** Percent of one core during the timed window. */
    cpuPercent: EngineCpu;
    /** The same load on direct attaches: the engine's floor. */
    direct: {echo: Summary; missedTicks: number; cpuPercent: EngineCpu};
    /** The same load through one bare ws relay process: the floor of any out-of-process server. */
    relay: {echo: Summary; missedTicks: number; cpuPercent: EngineCpu; relayCpuPercent: number};
  };
}

export interface Verdict {
  name: string;
  measured: string;
  target: string;
  ok: boolean;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/** The server's speed targets, each judged on figures of the same run. */
export function judge(figures: Figures): Verdict[] {
  const {firstByte, echo, throughput, memory, concurrent} = figures;
  const floor = firstByte.floor.p50;
  return [
    {
      name: 'warm Run → first byte p50',
      measured: `${ms(firstByte.warm.p50)} (${(firstByte.warm.p50 / floor).toFixed(2)}× floor)`,
      target: `≤ 50 ms and ≤ 0.25× floor (${ms(0.25 * floor)})`,
      ok: firstByte.warm.p50 <= 50 && firstByte.warm.p50 <= 0.25 * floor,
    },
    {
      name: 'cold Run → first byte p50',
      measured: `${ms(firstByte.cold.p50)} (${(firstByte.cold.p50 / floor).toFixed(2)}× floor)`,
      target: `≤ 1.15× floor (${ms(1.15 * floor)})`,
      ok: firstByte.cold.p50 <= 1.15 * floor,
    },
    {
      name: 'echo round trip p50',
      measured: `${ms(echo.server.p50)} (direct ${ms(echo.direct.p50)}, +${ms(echo.server.p50 - echo.direct.p50)})`,
      target: `≤ direct + 0.15 ms (${ms(echo.direct.p50 + 0.15)})`,
      ok: echo.server.p50 <= echo.direct.p50 + 0.15,
    },
    {name: 'echo round trip p99', measured: ms(echo.server.p99), target: '≤ 2 ms', ok: echo.server.p99 <= 2},
    {
      name: 'throughput (50 MB, acking client)',
      measured: `${throughput.serverAckedMBps.toFixed(1)} MB/s (${(throughput.serverAckedMBps / throughput.directMBps).toFixed(2)}× direct)`,
      target: `≥ 0.9× direct (${(0.9 * throughput.directMBps).toFixed(1)} MB/s)`,
      ok: throughput.serverAckedMBps >= 0.9 * throughput.directMBps,
    },
    {
      name: 'server RSS per active session',
      // RSS that fell while sessions were added is noise (GC, freed pages), not a measurement: never a pass.
      measured: `${(memory.activeBytesPerSession / 1024).toFixed(1)} KB${memory.activeBytesPerSession <= 0 ? ' (noise: RSS fell; run with more sessions)' : ''}`,
      target: '≤ 32 KB (container and replay ring excluded)',
      ok: memory.activeBytesPerSession > 0 && memory.activeBytesPerSession <= 32 * 1024,
    },
    {
      name: `${concurrent.sessions} concurrent sessions: echo p99`,
      measured: `${ms(concurrent.echo.p99)} (relay ${ms(concurrent.relay.echo.p99)}, direct ${ms(concurrent.direct.echo.p99)})`,
      target: '≤ 10 ms',
      ok: concurrent.echo.p99 <= 10,
    },
  ];
}

/** A plain fixed-width table. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const cpuLine = (cpu: EngineCpu) =>
  `dockerd ${cpu.dockerd.toFixed(0)} %, containerd ${cpu.containerd.toFixed(0)} %, shims ${cpu.shims.toFixed(0)} %, bench clients ${cpu.benchClients.toFixed(0)} %`;

/** The one table the benchmark prints: every figure beside its baseline, then the verdicts. */
export function formatReport(figures: Figures): string {
  const {firstByte, echo, throughput, memory, concurrent} = figures;
  const floor = firstByte.floor.p50;
  const rows: string[][] = [
    ['Run → first byte, floor (raw dockerode)', `${ms(firstByte.floor.p50)} / ${ms(firstByte.floor.p95)}`, '1.00×', `n=${firstByte.floor.count}`],
    ['Run → first byte, cold (server)', `${ms(firstByte.cold.p50)} / ${ms(firstByte.cold.p95)}`, `${(firstByte.cold.p50 / floor).toFixed(2)}×`, `n=${firstByte.cold.count}`],
    [
      'Run → first byte, warm (server)',
      `${ms(firstByte.warm.p50)} / ${ms(firstByte.warm.p95)}`,
      `${(firstByte.warm.p50 / floor).toFixed(2)}×`,
      `n=${firstByte.warm.count}, ${firstByte.warmTakes}/${firstByte.warmRuns} from the pool`,
    ],
    ['  take + seed + start (in the server)', `${ms(firstByte.take.p50)} / ${ms(firstByte.take.p95)}`, `${(firstByte.take.p50 / floor).toFixed(3)}×`, `n=${firstByte.take.count}`],
    ['echo round trip, direct attach', `${ms(echo.direct.p50)} / ${ms(echo.direct.p99)} (p99)`, '', `n=${echo.direct.count}`],
    ['echo round trip, bare ws relay process', `${ms(echo.relay.p50)} / ${ms(echo.relay.p99)} (p99)`, `+${ms(echo.relay.p50 - echo.direct.p50)}`, `n=${echo.relay.count}; the process hop alone`],
    [
      'echo round trip, server',
      `${ms(echo.server.p50)} / ${ms(echo.server.p99)} (p99)`,
      `+${ms(echo.server.p50 - echo.direct.p50)}`,
      `n=${echo.server.count}; +${ms(echo.server.p50 - echo.relay.p50)} over the relay`,
    ],
    ['throughput 50 MB, direct attach', `${throughput.directMBps.toFixed(1)} MB/s`, '1.00×', ''],
    ['throughput 50 MB, server (acking client)', `${throughput.serverAckedMBps.toFixed(1)} MB/s`, `${(throughput.serverAckedMBps / throughput.directMBps).toFixed(2)}×`, ''],
    ['throughput 50 MB, server (no acks)', `${throughput.serverUnackedMBps.toFixed(1)} MB/s`, `${(throughput.serverUnackedMBps / throughput.directMBps).toFixed(2)}×`, ''],
    [
      'server RSS per idle connected session',
      `${(memory.idleBytesPerSession / 1024).toFixed(1)} KB`,
      '',
      `N=${memory.sessions}, young generation excluded, heap+external ${(memory.idleHeapPerSession / 1024).toFixed(1)} KB`,
    ],
    [
      'server RSS per active session',
      `${(memory.activeBytesPerSession / 1024).toFixed(1)} KB`,
      '',
      `N=${memory.sessions}, replay ring ${(memory.activeRingBytesPerSession / 1024).toFixed(1)} KB each excluded, heap+external ${(memory.activeHeapPerSession / 1024).toFixed(1)} KB`,
    ],
    [
      `${concurrent.sessions} sessions typing 10 keys/s: echo`,
      `${ms(concurrent.echo.p50)} / ${ms(concurrent.echo.p99)} (p99)`,
      '',
      `n=${concurrent.echo.count}, missed ticks ${concurrent.missedTicks}`,
    ],
    [
      `${concurrent.sessions} sessions typing, direct attaches: echo`,
      `${ms(concurrent.direct.echo.p50)} / ${ms(concurrent.direct.echo.p99)} (p99)`,
      '',
      `n=${concurrent.direct.echo.count}, missed ticks ${concurrent.direct.missedTicks}`,
    ],
    [
      `${concurrent.sessions} sessions typing, bare ws relay: echo`,
      `${ms(concurrent.relay.echo.p50)} / ${ms(concurrent.relay.echo.p99)} (p99)`,
      '',
      `n=${concurrent.relay.echo.count}, missed ticks ${concurrent.relay.missedTicks}; one more process, nothing else`,
    ],
    [`${concurrent.sessions} sessions typing: server CPU`, `${concurrent.serverCpuPercent.toFixed(1)} % of one core`, '', `relay: ${concurrent.relay.relayCpuPercent.toFixed(1)} %`],
    [`  engine CPU, through the server`, cpuLine(concurrent.cpuPercent), '', ''],
    [`  engine CPU, through the relay`, cpuLine(concurrent.relay.cpuPercent), '', ''],
    [`  engine CPU, direct attaches`, cpuLine(concurrent.direct.cpuPercent), '', ''],
  ];
  const table = formatTable(['figure', 'p50 / p95 (or value)', 'vs baseline', 'notes'], rows);
  const verdicts = formatTable(
    ['target', 'measured', 'goal', ''],
    judge(figures).map((verdict) => [verdict.name, verdict.measured, verdict.target, verdict.ok ? 'OK' : 'MISSED']),
  );
  return `${table}\n\n${verdicts}`;
}
