/**
 * `npm run bench -- steps [--quick] [--runs N] [--paused N]`: the Run of a
 * page session's step in an environment that already runs (POST
 * /api/sessions with `environment`, then the socket) → its first output
 * byte, beside `docker exec` create + start + attach → first byte in the
 * same container (floor.ts), the engine's own way to run a second process
 * there. Target: step p50 ≤ 0.5× the floor's p50 (TARGET_RATIO).
 *
 * One sandbox server runs in this process with a two-step page session in
 * env `shell`; step 1 makes the environment, then step 2 (`echo first-byte`)
 * runs again and again in it. Interleaved run by run, rotating the order:
 * the step, the floor, and a plain block taken from the warm pool. Before
 * each measurement the bench waits until the engine is quiet again (the next
 * standby waits, the pool is full, finished containers are removed), as it
 * is when a reader clicks the next step. The `--paused` runs wait longer
 * than the server's engine-check cache first, as a reader who read the
 * output does. A runtime tap (tap.ts) splits each step Run into phases.
 * Prints p50/p90/p99, the phases and the verdict; writes JSON to bench/results/.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import Dockerode from 'dockerode';
import {normalizeConfig, type SandboxBlock, type SandboxManifest} from '../../config/index.js';
import type {CreateSessionRequest, EnvironmentRef} from '../../protocol/index.js';
import {createSandboxServer} from '../../server/index.js';
import {createRuntime} from '../../server/runtime/create.js';
import {buildImages} from '../../server/runtime/images.js';
import {BenchSession} from '../server/client.js';
import {execFirstByte} from './floor.js';
import {formatStepsReport, judgeSteps, percentiles, type StepRunMarks} from './report.js';
import {RuntimeTap} from './tap.js';

const argv = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const index = argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(argv[index + 1]);
};
const QUICK = argv.includes('--quick');
const PLAN = {runs: option('runs') ?? (QUICK ? 12 : 40), paused: option('paused') ?? (QUICK ? 3 : 8), warmUp: 2};
/** Longer than the server's engine-check cache (2 s, server/http/engine.ts). */
const PAUSE_MS = 2_500;
const OUTPUT = 'first-byte';
const COMMAND = `echo ${OUTPUT}`;
const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SESSION = 'bench-steps';
const block = (id: string, cmd: string, step?: number): SandboxBlock => ({
  id,
  env: 'shell',
  cmd,
  files: [],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false},
  source: 'bench/steps.md',
  line: (step ?? 9) * 10,
  ...(step === undefined ? {} : {session: SESSION, step}),
});
const STEP_ONE = block('bench-step-1', 'echo ready', 1);
const STEP_TWO = block('bench-step-2', COMMAND, 2);
const PLAIN = block('bench-plain', COMMAND);
const manifest: SandboxManifest = {
  version: 1,
  blocks: [STEP_ONE, STEP_TWO, PLAIN],
  sessions: [{id: SESSION, name: 'bench', source: 'bench/steps.md', env: 'shell', blocks: [STEP_ONE.id, STEP_TWO.id]}],
};

const instanceId = `bench-steps-${process.pid}-${Date.now().toString(36)}`;
const config = normalizeConfig({
  // One warm container for the plain block; nothing may end during the run.
  environments: {shell: {poolSize: 1}},
  limits: {idleTimeout: '600s'},
  // Sequential runs from one address: the per-minute creation limit must not be what is measured.
  server: {host: '127.0.0.1', port: 0, sessionsPerMinute: 100_000, instanceId},
});
const docker = new Dockerode();
const tap = new RuntimeTap((onWarmChange) => createRuntime({config, instanceId, onWarmChange}));

/** Waits until the engine is quiet: the next standby waits, the pool is full, ended containers are gone. */
async function settle(): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!(tap.standbyReady && tap.warmReady >= 1 && tap.live === 1)) {
    if (performance.now() > deadline) {
      log(`not quiet after 20 s (standby ${tap.standbyReady}, warm ${tap.warmReady}, live ${tap.live}); measuring anyway`);
      break;
    }
    await sleep(5);
  }
  await sleep(50);
}

/** POST → first byte of a session; waits for its exit (code 0 and the output, or it throws). */
async function runFirstByte(url: string, body: CreateSessionRequest, output = OUTPUT): Promise<{session: BenchSession; firstByte: number}> {
  const session = await BenchSession.open(url, body);
  await session.waitFor(() => session.exitCode !== undefined, 30_000, 'the exit');
  await Promise.race([session.ended, sleep(5_000)]);
  session.ws.terminate();
  if (session.exitCode !== 0 || !session.tail.includes(output) || session.firstByteAt === undefined) {
    throw new Error(`${body.block}: exit ${session.exitCode}, output ${JSON.stringify(session.tail.slice(-200))}`);
  }
  return {session, firstByte: session.firstByteAt - session.startedAt};
}

async function stepRun(url: string, environment: EnvironmentRef): Promise<StepRunMarks> {
  const {session, firstByte} = await runFirstByte(url, {block: STEP_TWO.id, environment});
  const at = (value: number | undefined) => (value === undefined ? undefined : value - session.startedAt);
  const exec = tap.seededSince(session.startedAt);
  return {
    postAnswered: session.answeredAt - session.startedAt,
    socketOpen: session.openedAt - session.startedAt,
    firstByte,
    seedWritten: at(exec?.seedWritten),
    seeded: at(exec?.seeded),
    engineOutput: at(exec?.output),
    engineChecked: tap.engineCheckedBetween(session.startedAt, exec?.seedWritten ?? session.firstByteAt!),
  };
}

type Kind = 'step' | 'floor' | 'plain';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadBefore = loadavg();
  log(`plan: ${JSON.stringify(PLAN)}${QUICK ? ' (--quick)' : ''}`);
  await buildImages({envs: ['shell']});
  const server = createSandboxServer({config, manifest, runtime: tap.runtime});
  const steps: StepRunMarks[] = [];
  const paused: StepRunMarks[] = [];
  const floor: number[] = [];
  const plain: number[] = [];
  try {
    const {url} = await server.listen();
    const {session: first} = await runFirstByte(url, {block: STEP_ONE.id}, 'ready');
    const environment = first.created?.environment;
    const containerId = tap.environmentContainerId;
    if (!environment || containerId === undefined) throw new Error('step 1 made no environment');
    const ref = {id: environment.id, token: environment.token};
    const measure: Record<Kind, () => Promise<void>> = {
      step: async () => void steps.push(await stepRun(url, ref)),
      floor: async () => void floor.push(await execFirstByte(docker, containerId, ['sh', '-c', COMMAND])),
      plain: async () => void plain.push((await runFirstByte(url, {block: PLAIN.id})).firstByte),
    };
    // The first of each kind pays one-off costs (JIT, connections, the engine check's first answer): not counted.
    for (let index = 0; index < PLAN.warmUp; index++) {
      for (const kind of ['step', 'floor', 'plain'] as const) {
        await settle();
        await measure[kind]();
      }
    }
    steps.length = 0;
    floor.length = 0;
    plain.length = 0;
    log(`${PLAN.runs} runs of each, interleaved; the environment's container ${containerId.slice(0, 12)}`);
    const kinds: Kind[] = ['step', 'floor', 'plain'];
    for (let run = 0; run < PLAN.runs; run++) {
      // Rotate the order so no kind always follows another.
      for (let offset = 0; offset < kinds.length; offset++) {
        await settle();
        await measure[kinds[(run + offset) % kinds.length]!]();
      }
      if ((run + 1) % 10 === 0) log(`${run + 1}/${PLAN.runs} runs`);
    }
    log(`${PLAN.paused} step runs after a ${PAUSE_MS / 1000} s pause each (with a floor run after each)`);
    for (let run = 0; run < PLAN.paused; run++) {
      await sleep(PAUSE_MS);
      await settle();
      paused.push(await stepRun(url, ref));
      await settle();
      await measure.floor();
    }
  } finally {
    await server.close();
    await tap.runtime.close?.();
  }

  const figures = {
    step: percentiles(steps.map((run) => run.firstByte)),
    paused: paused.length > 0 ? percentiles(paused.map((run) => run.firstByte)) : undefined,
    floor: percentiles(floor),
    plain: percentiles(plain),
    marks: [...steps, ...paused],
    engineChecks: percentiles(tap.engineChecks.flatMap((check) => (check.ended === undefined ? [] : [check.ended - check.started]))),
  };
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    docker: await docker.version().then((version) => version.Version, () => 'unknown'),
    loadBefore,
    loadAfter: loadavg(),
  };
  console.log('');
  console.log(formatStepsReport(figures));
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(
    `\n${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Docker ${machine.docker}; load ${load(loadBefore)} → ${load(machine.loadAfter)}; ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  const results = join(root, 'bench', 'results');
  mkdirSync(results, {recursive: true});
  const file = join(results, `steps-${new Date().toISOString().replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
  const record = {bench: 'steps', date: new Date().toISOString(), quick: QUICK, plan: PLAN, machine, figures, verdict: judgeSteps(figures), floor, plain, steps, paused};
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  log(`wrote ${file}`);
}

await main();
