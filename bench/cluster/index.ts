/**
 * `npm run bench -- cluster [--quick]`: what the balancer hop costs. Brings up
 * a one-node cluster (`npm run cluster`: Redis, an engine in its own network
 * namespace, a gateway, nginx), then in one run, interleaved: keystroke echo
 * and Run → first byte through nginx + gateway against straight to the same
 * gateway; then sessions typing 10 keys/s through nginx in growing numbers
 * until echo p99 crosses 10 ms. Needs root, `npm run build` and the shell image.
 * Writes bench/results/cluster-<time>.json; the figures go in bench/RESULTS.md.
 */
import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {BenchSession} from '../server/client.js';
import {summarize} from '../server/stats.js';
import {formatClusterReport, hop, TARGETS, type ClusterFigures, type RampStep} from './report.js';

const QUICK = process.argv.includes('--quick');
const PLAN = {echoKeys: QUICK ? 300 : 1000, firstByteRuns: QUICK ? 10 : 30, ramp: QUICK ? [5, 10, 20] : [5, 10, 20, 40, 80], rampSeconds: QUICK ? 3 : 5};
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const log = (line: string) => process.stderr.write(`[bench cluster] ${line}\n`);

const cluster = async (dir: string, ...args: string[]) =>
  (await run(process.execPath, ['--import', 'tsx', 'cluster/main.ts', ...args, '--dir', dir], {cwd: root, timeout: 300_000})).stdout;

/** The next output chunk's arrival after `send()`, or undefined after `timeoutMs`. */
function roundTrip(session: BenchSession, send: () => void, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const timer = setTimeout(() => {
      session.onOutput = undefined;
      resolve(undefined);
    }, timeoutMs);
    session.onOutput = (_data, at) => {
      clearTimeout(timer);
      session.onOutput = undefined;
      resolve(at - sentAt);
    };
    send();
  });
}

const CLEAR_LINE = '\u0015';

async function ready(session: BenchSession): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) if ((await roundTrip(session, () => session.type('x'), 200)) !== undefined) break;
  session.type(CLEAR_LINE);
  await sleep(50);
}

async function echoPhase(entry: string, gateway: string): Promise<ClusterFigures['echo']> {
  const body = {env: 'shell', cmd: 'cat', interactive: true};
  const through = await BenchSession.open(entry, body);
  const straight = await BenchSession.open(gateway, body);
  await Promise.all([ready(through), ready(straight)]);
  const samples = {through: [] as number[], straight: [] as number[]};
  for (let key = 0; key < PLAN.echoKeys; key += 1) {
    // Alternate which goes first, so neither always follows the other's wake-up.
    const order = key % 2 === 0 ? (['through', 'straight'] as const) : (['straight', 'through'] as const);
    for (const which of order) {
      const session = which === 'through' ? through : straight;
      const time = await roundTrip(session, () => session.type('x'), 5_000);
      if (time === undefined) throw new Error(`no echo within 5 s (${which})`);
      samples[which].push(time);
    }
    if (key % 40 === 39) {
      // A short line: canonical-mode cat keeps it until Enter. Untimed.
      for (const session of [through, straight]) session.type(CLEAR_LINE);
      await sleep(20);
    }
  }
  await Promise.all([through.kill(), straight.kill()]);
  return hop(samples.straight, samples.through);
}

async function firstBytePhase(entry: string, gateway: string): Promise<ClusterFigures['firstByte']> {
  const samples = {through: [] as number[], straight: [] as number[]};
  for (let index = 0; index < PLAN.firstByteRuns; index += 1) {
    const order = index % 2 === 0 ? (['through', 'straight'] as const) : (['straight', 'through'] as const);
    for (const which of order) {
      const session = await BenchSession.open(which === 'through' ? entry : gateway, {env: 'shell', cmd: 'echo ready'});
      await session.waitForText('ready', 10_000);
      samples[which].push(session.firstByteAt! - session.startedAt);
      await Promise.race([session.ended, sleep(5_000)]);
      session.ws.terminate();
    }
  }
  return hop(samples.straight, samples.through);
}

async function rampStep(entry: string, count: number): Promise<RampStep> {
  const sessions: BenchSession[] = [];
  for (let index = 0; index < count; index += 1) sessions.push(await BenchSession.open(entry, {env: 'shell', cmd: 'cat', interactive: true}, {keepTail: false}));
  await Promise.all(sessions.map(ready));
  const samples: number[] = [];
  let missed = 0;
  const warmUntil = performance.now() + 1_000;
  const until = warmUntil + PLAN.rampSeconds * 1_000;
  await Promise.all(
    sessions.map(async (session, index) => {
      // Spread the sessions' ticks over the 100 ms, as readers typing independently.
      await sleep((index * 100) / count);
      let keys = 0;
      while (performance.now() < until) {
        const due = performance.now() + 100;
        const time = await roundTrip(session, () => session.type('x'), 100);
        if (performance.now() >= warmUntil) {
          if (time === undefined) missed += 1;
          else samples.push(time);
        }
        keys += 1;
        if (keys % 40 === 0) session.type(CLEAR_LINE);
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  await Promise.all(sessions.map((session) => session.kill()));
  return {sessions: count, echo: summarize(samples), missed};
}

const dir = mkdtempSync(join(tmpdir(), 'sandbox-bench-cluster-'));
const config = join(dir, 'base.config.json');
const most = Math.max(...PLAN.ramp);
writeFileSync(config, JSON.stringify({server: {maxSessions: most + 10, maxSessionsPerClient: most + 10, sessionsPerMinute: 100_000}}));
log('bringing a one-node cluster up…');
const printed = await cluster(dir, 'up', '--nodes', '1', '--images', 'docusaurus-sandbox/shell:1', '--allow-inline', '--config', config);
const entry = /^entry (\S+)$/m.exec(printed)?.[1];
const gateway = /^node n1 (\S+)/m.exec(printed)?.[1];
try {
  if (!entry || !gateway) throw new Error(`up printed no entry or node: ${printed}`);
  log('keystroke echo, through nginx and straight, interleaved…');
  const echo = await echoPhase(entry, gateway);
  log('Run → first byte, through nginx and straight, interleaved…');
  const firstByte = await firstBytePhase(entry, gateway);
  const ramp: RampStep[] = [];
  for (const count of PLAN.ramp) {
    log(`${count} sessions typing 10 keys/s through nginx…`);
    const step = await rampStep(entry, count);
    ramp.push(step);
    if (step.echo.p99 > TARGETS.echoP99CeilingMs) break;
  }
  const figures: ClusterFigures = {echo, firstByte, ramp};
  mkdirSync(join(root, 'bench', 'results'), {recursive: true});
  writeFileSync(join(root, 'bench', 'results', `cluster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify({plan: PLAN, figures}, null, 2)}\n`);
  process.stdout.write(`${formatClusterReport(figures)}\n`);
} finally {
  log('bringing it down…');
  process.stderr.write(await cluster(dir, 'down'));
  rmSync(dir, {recursive: true, force: true});
}
