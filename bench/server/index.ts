/**
 * `npm run bench -- server [--quick]`: the server against raw Docker in the
 * same run. The server runs in a child process (child.ts,
 * compiled with tsc as it ships: build.ts) so its RSS and CPU are its own; the
 * clients and the raw-dockerode baselines run here. Prints one table and
 * writes JSON to bench/results/.
 *
 * 1. Run → first byte: POST /api/sessions → first binary frame, cold (an
 *    environment without a pool) and warm (a copy with poolSize 2), beside the
 *    floor (raw create + attach + start → first byte of the same hardened
 *    container), interleaved run by run so drift hits all three alike; plus the
 *    take + seed + start time the pooled runtime observed.
 * 2. Keystroke echo round trip in an interactive bash: through the server and
 *    through a direct attach, alternating halves.
 * 3. Throughput of 50 MiB of output: direct attach, server with an acking
 *    client (as the theme), server without acks.
 * 4. N concurrent interactive shells (200; --quick 40), each typing one key
 *    every 100 ms: echo p50/p99 and server CPU; server RSS per idle connected
 *    session and per active (typing) session, beside 20 warm-up sessions kept
 *    open, with the replay ring's bytes and V8's young generation excluded.
 * A full run takes a few minutes; --quick about one. BENCH_CHILD_NODE_ARGS
 * (space-separated) adds Node flags to the server and relay children, e.g.
 * `--cpu-prof --cpu-prof-dir=bench/results` to see where their CPU goes.
 */
import {fork, type ChildProcess} from 'node:child_process';
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {cpus, freemem, loadavg, totalmem} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import Dockerode from 'dockerode';
import {BUNDLED_ENVIRONMENTS, normalizeConfig, type SandboxConfigInput} from '../../config/index.js';
import type {StartObservation} from '../../server/runtime/pool.js';
import {LABELS, type ContainerSpec} from '../../server/runtime/types.js';
import {REPLAY_BUFFER_BYTES} from '../../server/stream/ring.js';
import type {ChildAnswer, ChildRequest} from './child.js';
import {compileServerChild} from './build.js';
import {BenchSession} from './client.js';
import {baselineCreateOptions, DirectTerminal, floorFirstByte, type Terminal} from './direct.js';
import {processCpu} from './proc.js';
import {RelayProcess} from './relay.js';
import {type Figures, formatReport, judge, summarize} from './stats.js';

const argv = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const index = argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(argv[index + 1]);
};
const QUICK = argv.includes('--quick');
const PLAN = {
  runs: option('runs') ?? (QUICK ? 10 : 30),
  echoKeys: option('keys') ?? (QUICK ? 300 : 1000),
  throughputRuns: option('throughput-runs') ?? (QUICK ? 1 : 3),
  sessions: option('sessions') ?? (QUICK ? 40 : 200),
  typingSeconds: option('typing-seconds') ?? (QUICK ? 5 : 15),
  throughputBytes: 50 * 1024 * 1024,
};

const root = fileURLToPath(new URL('../../', import.meta.url));
const docker = new Dockerode();
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const SERVER_INSTANCE = `bench-server-${RUN}`;
const DIRECT_INSTANCE = `bench-direct-${RUN}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[bench] ${line}`);

/** Sessions opened, typed in and kept open before the memory phase's base sample (concurrentPhase). */
const WARM_UP_SESSIONS = 20;

const CONFIG: SandboxConfigInput = {
  // 50 MiB must fit the output cap; nothing may time out during the run. No
  // output rate: the throughput figure measures the pipe, not the policy (the
  // default `outputRate` holds a client to 4 MiB/s, far below the pipe).
  limits: {outputLimit: '128m', outputRate: 0, timeout: '120s', maxTimeout: '300s', idleTimeout: '600s'},
  environments: {
    shell: {poolSize: 0},
    warm: {...BUNDLED_ENVIRONMENTS.shell!, poolSize: 2},
  },
  server: {
    host: '127.0.0.1',
    port: 0,
    allowInline: true,
    // The benchmark is one client opening hundreds of sessions (plus the
    // memory phase's warm-up sessions): raise the per-client limits.
    maxSessions: PLAN.sessions + WARM_UP_SESSIONS + 10,
    maxSessionsPerClient: PLAN.sessions + WARM_UP_SESSIONS + 10,
    sessionsPerMinute: 100_000,
    messagesPerSecond: 1_000,
  },
};
const config = normalizeConfig(CONFIG);

const FILES = [{path: 'hello.txt', content: 'ready\n'}];
const FIRST_BYTE_CMD = 'cat hello.txt';
const FLOOD_CMD = `head -c ${PLAN.throughputBytes} /dev/zero | tr '\\0' y`;

let sessionCounter = 0;
function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    sessionId: `bench-${RUN}-${++sessionCounter}`,
    envName: 'shell',
    env: config.environments.shell!,
    files: FILES,
    cmd: FIRST_BYTE_CMD,
    interactive: false,
    cols: 80,
    rows: 24,
    ...overrides,
  };
}

/** The server in its child process, spoken to over IPC. */
class ServerChild {
  #nextId = 0;
  #pending = new Map<number, (answer: ChildAnswer) => void>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (answer: ChildAnswer) => {
      if ('id' in answer) {
        this.#pending.get(answer.id)?.(answer);
        this.#pending.delete(answer.id);
      }
    });
  }

  static start(childPath: string): Promise<ServerChild> {
    const child = fork(childPath, [], {
      execArgv: ['--expose-gc', ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean)],
      env: {...process.env, BENCH_CONFIG: JSON.stringify(CONFIG), BENCH_INSTANCE: SERVER_INSTANCE},
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the server child exited early (${code})`)));
      child.on('message', function ready(answer: ChildAnswer) {
        if (answer.type !== 'ready') return;
        child.off('message', ready);
        resolve(new ServerChild(child, answer.url));
      });
    });
  }

  #ask(request: ChildRequest & {id: number}): Promise<ChildAnswer> {
    return new Promise((resolve) => {
      this.#pending.set(request.id, resolve);
      this.child.send(request);
    });
  }

  async sample(gc: boolean): Promise<Extract<ChildAnswer, {type: 'sample'}>> {
    const answer = await this.#ask({id: ++this.#nextId, type: 'sample', gc});
    if (answer.type !== 'sample') throw new Error(`unexpected answer ${answer.type}`);
    return answer;
  }

  async warmCount(): Promise<number> {
    const answer = await this.#ask({id: ++this.#nextId, type: 'pool'});
    if (answer.type !== 'pool') throw new Error(`unexpected answer ${answer.type}`);
    return answer.warm;
  }

  async starts(): Promise<StartObservation[]> {
    const answer = await this.#ask({id: ++this.#nextId, type: 'starts'});
    if (answer.type !== 'starts') throw new Error(`unexpected answer ${answer.type}`);
    return answer.starts;
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    this.child.send({type: 'close'} satisfies ChildRequest);
    await Promise.race([this.exited, sleep(15_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

async function ourContainers(instanceId: string): Promise<string[]> {
  const listed = await docker.listContainers({all: true, filters: {label: [`${LABELS.instance}=${instanceId}`]}});
  return listed.map((info) => info.Id);
}

/** Session containers of the server (its warm pool's untaken containers carry the pool label and stay). */
async function sessionContainers(instanceId: string): Promise<number> {
  const listed = await docker.listContainers({all: true, filters: {label: [`${LABELS.instance}=${instanceId}`, `${LABELS.env}=shell`]}});
  return listed.length;
}

async function waitForNoSessionContainers(instanceId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await sessionContainers(instanceId);
    if (left === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}

/** Runs `task` over `items` with at most `limit` at once. */
async function withConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({length: Math.min(limit, items.length)}, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A server session from POST to its first byte; waits for its end. */
async function serverFirstByte(server: ServerChild, env: 'shell' | 'warm'): Promise<number> {
  const session = await BenchSession.open(server.url, {env, cmd: FIRST_BYTE_CMD, files: FILES});
  await session.waitFor(() => session.firstByteAt !== undefined, 30_000, 'the first byte');
  const ms = session.firstByteAt! - session.startedAt;
  await Promise.race([session.ended, sleep(10_000)]);
  session.ws.terminate();
  return ms;
}

async function waitForWarm(server: ServerChild, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await server.warmCount()) > 0) return true;
    await sleep(20);
  }
  return false;
}

async function firstBytePhase(server: ServerChild): Promise<Figures['firstByte']> {
  const floor: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  // The first session of each kind pays one-off costs (JIT, the engine check's first answer): not counted.
  await serverFirstByte(server, 'shell');
  await waitForWarm(server, 20_000);
  await serverFirstByte(server, 'warm');
  await floorFirstByte(docker, spec(), DIRECT_INSTANCE);
  await server.starts();
  const kinds = ['floor', 'cold', 'warm'] as const;
  for (let run = 0; run < PLAN.runs; run++) {
    // Rotate the order so no kind always follows another's clean-up.
    for (let offset = 0; offset < kinds.length; offset++) {
      const kind = kinds[(run + offset) % kinds.length]!;
      await sleep(100);
      if (kind === 'floor') floor.push(await floorFirstByte(docker, spec(), DIRECT_INSTANCE));
      else if (kind === 'cold') cold.push(await serverFirstByte(server, 'shell'));
      else {
        await waitForWarm(server, 10_000);
        warm.push(await serverFirstByte(server, 'warm'));
      }
    }
    if ((run + 1) % 10 === 0) log(`first byte: ${run + 1}/${PLAN.runs} runs`);
  }
  const starts = (await server.starts()).filter((start) => start.envName === 'warm');
  const takes = starts.filter((start) => start.source === 'warm').map((start) => start.ms);
  return {floor: summarize(floor), cold: summarize(cold), warm: summarize(warm), take: summarize(takes), warmTakes: takes.length, warmRuns: starts.length};
}

/** Types `count` keys one at a time into `terminal`, timing each echo; Ctrl-U every 30 keys keeps the line short (untimed). */
async function measureEcho(terminal: Terminal, count: number, samples: number[]): Promise<void> {
  let resolveNext: ((at: number) => void) | undefined;
  terminal.onOutput = (_data, at) => {
    const resolve = resolveNext;
    resolveNext = undefined;
    resolve?.(at);
  };
  const next = () =>
    Promise.race([
      new Promise<number>((resolve) => (resolveNext = resolve)),
      sleep(5_000).then(() => {
        throw new Error('no echo within 5 s');
      }),
    ]);
  try {
    for (let index = 0; index < count; index++) {
      if (index % 30 === 29) {
        const redrawn = next();
        terminal.type('\x15');
        await redrawn;
        await sleep(20);
        continue;
      }
      const echoed = next();
      const sentAt = performance.now();
      terminal.type('a');
      samples.push((await echoed) - sentAt);
      await sleep(3);
    }
    const cleared = next();
    terminal.type('\x15');
    await cleared;
    await sleep(20);
  } finally {
    terminal.onOutput = undefined;
  }
}

const SHELL_PROMPT = '$ ';

async function echoPhase(server: ServerChild, relayProcess: RelayProcess): Promise<Figures['echo']> {
  const shell = () => spec({cmd: 'true', files: [], interactive: true});
  const opened = await Promise.allSettled([
    DirectTerminal.start(docker, shell(), DIRECT_INSTANCE),
    relayProcess.open(baselineCreateOptions(shell(), DIRECT_INSTANCE)),
    BenchSession.open(server.url, {env: 'shell', cmd: 'true', interactive: true}),
  ] as const);
  const [directOpened, relayOpened, sessionOpened] = opened;
  const close = () =>
    Promise.allSettled([
      directOpened.status === 'fulfilled' ? directOpened.value.remove() : undefined,
      relayOpened.status === 'fulfilled' ? relayOpened.value.remove() : undefined,
      sessionOpened.status === 'fulfilled' ? sessionOpened.value.kill() : undefined,
    ]);
  if (directOpened.status === 'rejected' || relayOpened.status === 'rejected' || sessionOpened.status === 'rejected') {
    await close();
    throw opened.find((result) => result.status === 'rejected')!.reason;
  }
  const [direct, relay, session] = [directOpened.value, relayOpened.value, sessionOpened.value];
  try {
    await direct.waitForText(SHELL_PROMPT);
    await relay.waitForText(SHELL_PROMPT);
    await session.waitForText(SHELL_PROMPT);
    const directSamples: number[] = [];
    const relaySamples: number[] = [];
    const serverSamples: number[] = [];
    // Warm-up keys, not counted.
    await measureEcho(direct, 30, []);
    await measureEcho(relay, 30, []);
    await measureEcho(session, 30, []);
    const half = Math.ceil(PLAN.echoKeys / 2);
    for (let round = 0; round < 2; round++) {
      await measureEcho(direct, half, directSamples);
      await measureEcho(relay, half, relaySamples);
      await measureEcho(session, half, serverSamples);
    }
    return {direct: summarize(directSamples), relay: summarize(relaySamples), server: summarize(serverSamples)};
  } finally {
    await close();
  }
}

/** MB/s (10^6 bytes) from the first byte to the last of `total` bytes. */
function rateUntil(terminal: Terminal & {firstByteAt: number | undefined}, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`throughput: only ${terminal.bytes} of ${total} bytes after 120 s`)), 120_000);
    const check = (_data: Buffer, at: number) => {
      if (terminal.bytes < total) return;
      clearTimeout(timer);
      terminal.onOutput = undefined;
      resolve(total / 1e6 / ((at - terminal.firstByteAt!) / 1000));
    };
    terminal.onOutput = check;
  });
}

async function throughputPhase(server: ServerChild): Promise<Figures['throughput']> {
  const direct: number[] = [];
  const acked: number[] = [];
  const unacked: number[] = [];
  const kinds = ['direct', 'acked', 'unacked'] as const;
  for (let run = 0; run < PLAN.throughputRuns; run++) {
    for (let offset = 0; offset < kinds.length; offset++) {
      const kind = kinds[(run + offset) % kinds.length]!;
      await sleep(200);
      if (kind === 'direct') {
        const terminal = await DirectTerminal.start(docker, spec({cmd: FLOOD_CMD, files: []}), DIRECT_INSTANCE);
        terminal.keepTail = false;
        try {
          direct.push(await rateUntil(terminal, PLAN.throughputBytes));
        } finally {
          await terminal.remove();
        }
      } else {
        const session = await BenchSession.open(server.url, {env: 'shell', cmd: FLOOD_CMD}, {acks: kind === 'acked', keepTail: false});
        try {
          (kind === 'acked' ? acked : unacked).push(await rateUntil(session, PLAN.throughputBytes));
          await Promise.race([session.ended, sleep(10_000)]);
        } finally {
          await session.kill();
        }
      }
    }
  }
  const median = (values: number[]) => summarize(values).p50;
  return {directMBps: median(direct), serverAckedMBps: median(acked), serverUnackedMBps: median(unacked)};
}

/**
 * CPU time (ms) of the engine's processes so far, read from /proc: dockerd,
 * containerd and the per-container shims. Linux only; zeros elsewhere.
 */
function engineCpuMs(): {dockerd: number; containerd: number; shims: number} {
  const totals = {dockerd: 0, containerd: 0, shims: 0};
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  for (const pid of entries) {
    const cpu = processCpu(pid);
    if (cpu === undefined) continue;
    const {name, cpuMs: ms} = cpu;
    if (name === 'dockerd') totals.dockerd += ms;
    else if (name === 'containerd') totals.containerd += ms;
    else if (name.startsWith('containerd-shim')) totals.shims += ms;
  }
  return totals;
}

/** The bench process's own CPU (ms): the clients run here. */
const ownCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Median of three garbage-collected samples of the child's RSS and heap + external. */
async function memorySample(server: ServerChild): Promise<{rss: number; heap: number}> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let index = 0; index < 3; index++) {
    const sample = await server.sample(true);
    // The young generation follows the allocation rate, not the sessions (child.ts).
    rss.push(sample.rss - sample.youngGeneration);
    heap.push(sample.heapUsed + sample.external);
    await sleep(200);
  }
  return {rss: summarize(rss).p50, heap: summarize(heap).p50};
}

interface Typist {
  session: Terminal;
  pendingSince: number | undefined;
  ignoreUntil: number;
  keys: number;
  timer: NodeJS.Timeout | undefined;
}

/** Every session types one key every 100 ms, as a person would; echoes are timed while `record` holds. */
function startTyping(typists: Typist[], samples: number[], state: {record: boolean; missed: number}): void {
  for (const typist of typists) {
    typist.session.onOutput = (_data, at) => {
      if (at < typist.ignoreUntil) return;
      if (typist.pendingSince === undefined) return;
      if (state.record) samples.push(at - typist.pendingSince);
      typist.pendingSince = undefined;
    };
    const tick = () => {
      if (typist.pendingSince !== undefined) {
        // The last echo has not come back within 100 ms: count it, do not pile up keys.
        if (state.record) state.missed += 1;
        return;
      }
      typist.keys += 1;
      if (typist.keys % 30 === 0) {
        typist.ignoreUntil = performance.now() + 50;
        typist.session.type('\x15');
        return;
      }
      typist.pendingSince = performance.now();
      typist.session.type('a');
    };
    // Spread the sessions over the 100 ms period.
    setTimeout(() => {
      tick();
      typist.timer = setInterval(tick, 100);
    }, Math.random() * 100);
  }
}

function stopTyping(typists: Typist[]): void {
  for (const typist of typists) {
    clearInterval(typist.timer);
    typist.session.onOutput = undefined;
  }
}

/**
 * The same typing load without the server: on direct attaches (the floor that
 * the engine and the machine set for this many interactive containers), or
 * through the bare relay process (the floor of any server in a process of its
 * own: one more busy process on the same cores).
 */
async function baselineConcurrentPhase(via: 'direct'): Promise<Figures['concurrent']['direct']>;
async function baselineConcurrentPhase(via: RelayProcess): Promise<Figures['concurrent']['relay']>;
async function baselineConcurrentPhase(via: 'direct' | RelayProcess): Promise<Figures['concurrent']['direct'] | Figures['concurrent']['relay']> {
  const count = PLAN.sessions;
  log(`the same ${count} shells ${via === 'direct' ? 'on direct attaches' : 'through the bare relay'}…`);
  const open = (): Promise<Terminal & {remove(): Promise<void>}> => {
    const shell = spec({cmd: 'true', files: [], interactive: true});
    return via === 'direct' ? DirectTerminal.start(docker, shell, DIRECT_INSTANCE) : via.open(baselineCreateOptions(shell, DIRECT_INSTANCE));
  };
  const terminals = await withConcurrency(Array.from({length: count}), 8, async () => {
    const terminal = await open();
    await terminal.waitForText(SHELL_PROMPT, 120_000);
    return terminal;
  });
  const typists: Typist[] = terminals.map((session) => ({session, pendingSince: undefined, ignoreUntil: 0, keys: 0, timer: undefined}));
  const samples: number[] = [];
  const state = {record: false, missed: 0};
  startTyping(typists, samples, state);
  await sleep(1_000);
  state.record = true;
  const engineBefore = engineCpuMs();
  const benchBefore = ownCpuMs();
  const relayBefore = via === 'direct' ? 0 : via.cpuMs();
  const startedAt = performance.now();
  await sleep(PLAN.typingSeconds * 1000);
  const wallMs = performance.now() - startedAt;
  const engineAfter = engineCpuMs();
  const benchAfter = ownCpuMs();
  const relayAfter = via === 'direct' ? 0 : via.cpuMs();
  state.record = false;
  stopTyping(typists);
  await withConcurrency(terminals, 20, (terminal) => terminal.remove());
  if (via !== 'direct') await waitForNoSessionContainers(DIRECT_INSTANCE, 60_000);
  const percent = (after: number, before: number) => ((after - before) / wallMs) * 100;
  return {
    ...(via === 'direct' ? {} : {relayCpuPercent: percent(relayAfter, relayBefore)}),
    echo: summarize(samples),
    missedTicks: state.missed,
    cpuPercent: {
      dockerd: percent(engineAfter.dockerd, engineBefore.dockerd),
      containerd: percent(engineAfter.containerd, engineBefore.containerd),
      shims: percent(engineAfter.shims, engineBefore.shims),
      benchClients: percent(benchAfter, benchBefore),
    },
  };
}

async function concurrentPhase(server: ServerChild, relayProcess: RelayProcess): Promise<{concurrent: Figures['concurrent']; memory: Figures['memory']}> {
  const count = PLAN.sessions;
  // Sessions first that type for a few seconds, so the code a session runs is
  // compiled (JIT) before the base sample: five sessions and ten keys left
  // ~0.6 MB of code and feedback to be compiled while the 40 measured sessions
  // opened, ~14 KB "per session". They stay open, idle, until the end: closed,
  // they would leave free heap pages that the measured sessions fill without
  // growing the RSS.
  const warmUp = await withConcurrency(Array.from({length: WARM_UP_SESSIONS}), 8, async () => {
    const session = await BenchSession.open(server.url, {env: 'shell', cmd: 'true', interactive: true});
    await session.waitForText(SHELL_PROMPT, 60_000);
    return session;
  });
  const warmUpTypists: Typist[] = warmUp.map((session) => ({session, pendingSince: undefined, ignoreUntil: 0, keys: 0, timer: undefined}));
  startTyping(warmUpTypists, [], {record: false, missed: 0});
  await sleep(3_000);
  stopTyping(warmUpTypists);
  await sleep(1_000);
  const base = await memorySample(server);
  log(`opening ${count} interactive shells…`);
  const openedAt = performance.now();
  const sessions = await withConcurrency(Array.from({length: count}), 8, async () => {
    const session = await BenchSession.open(server.url, {env: 'shell', cmd: 'true', interactive: true});
    await session.waitForText(SHELL_PROMPT, 120_000);
    return session;
  });
  log(`${count} shells ready in ${((performance.now() - openedAt) / 1000).toFixed(1)} s`);
  await sleep(2_000);
  const idle = await memorySample(server);

  const typists: Typist[] = sessions.map((session) => ({session, pendingSince: undefined, ignoreUntil: 0, keys: 0, timer: undefined}));
  const samples: number[] = [];
  const state = {record: false, missed: 0};
  startTyping(typists, samples, state);
  await sleep(1_000); // everyone is typing
  state.record = true;
  const cpuBefore = await server.sample(false);
  const engineBefore = engineCpuMs();
  const benchBefore = ownCpuMs();
  await sleep(PLAN.typingSeconds * 1000);
  const cpuAfter = await server.sample(false);
  const engineAfter = engineCpuMs();
  const benchAfter = ownCpuMs();
  state.record = false;
  // Still typing: the memory of active sessions (the GC pauses fall outside the timed window).
  const active = await memorySample(server);
  stopTyping(typists);
  const ringBytes = sessions.reduce((sum, session) => sum + Math.min(session.bytes, REPLAY_BUFFER_BYTES), 0) / count;

  log('ending the sessions…');
  await withConcurrency([...sessions, ...warmUp], 20, (session) => session.kill());
  const left = await waitForNoSessionContainers(SERVER_INSTANCE, 60_000);
  if (left > 0) log(`WARNING: ${left} containers of the server still exist after 60 s`);

  const wallMs = cpuAfter.at - cpuBefore.at;
  const serverCpuPercent = ((cpuAfter.cpuMicros - cpuBefore.cpuMicros) / 1000 / wallMs) * 100;
  const percent = (after: number, before: number) => ((after - before) / wallMs) * 100;
  const relay = await baselineConcurrentPhase(relayProcess);
  const direct = await baselineConcurrentPhase('direct');
  return {
    concurrent: {
      sessions: count,
      echo: summarize(samples),
      serverCpuPercent,
      missedTicks: state.missed,
      cpuPercent: {
        dockerd: percent(engineAfter.dockerd, engineBefore.dockerd),
        containerd: percent(engineAfter.containerd, engineBefore.containerd),
        shims: percent(engineAfter.shims, engineBefore.shims),
        benchClients: percent(benchAfter, benchBefore),
      },
      direct,
      relay,
    },
    memory: {
      sessions: count,
      idleBytesPerSession: (idle.rss - base.rss) / count,
      activeBytesPerSession: (active.rss - base.rss) / count - ringBytes,
      activeRingBytesPerSession: ringBytes,
      idleHeapPerSession: (idle.heap - base.heap) / count,
      activeHeapPerSession: (active.heap - base.heap) / count,
    },
  };
}

async function engineVersion(): Promise<string> {
  try {
    return (await docker.version()).Version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadBefore = loadavg();
  log(`plan: ${JSON.stringify(PLAN)}${QUICK ? ' (--quick)' : ''}`);
  log('compiling the server (tsc, as it ships)…');
  const compiled = compileServerChild(root, RUN);
  let server: ServerChild | undefined;
  let figures: Figures;
  await using relayProcess = await RelayProcess.start();
  try {
    server = await ServerChild.start(compiled.path);
    log(`server child ${server.child.pid} at ${server.url}`);
    log('Run → first byte: floor, cold, warm…');
    const firstByte = await firstBytePhase(server);
    log('keystroke echo: direct attach and server…');
    const echo = await echoPhase(server, relayProcess);
    log('throughput: 50 MiB…');
    const throughput = await throughputPhase(server);
    // A fresh server for the memory figures: the 50 MiB floods above leave
    // the heap and RSS high water marks that would blur the deltas.
    await server.close();
    server = await ServerChild.start(compiled.path);
    const {concurrent, memory} = await concurrentPhase(server, relayProcess);
    figures = {firstByte, echo, throughput, memory, concurrent};
  } finally {
    await server?.close();
    compiled[Symbol.dispose]();
    for (const instance of [SERVER_INSTANCE, DIRECT_INSTANCE]) {
      for (const id of await ourContainers(instance)) await docker.getContainer(id).remove({force: true}).catch(() => undefined);
    }
  }
  const leftAfterClose = (await ourContainers(SERVER_INSTANCE)).length;

  console.log('');
  console.log(formatReport(figures));
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    freeMemoryGB: Math.round(freemem() / 1024 ** 3),
    node: process.version,
    docker: await engineVersion(),
    loadBefore,
    loadAfter: loadavg(),
  };
  console.log(
    `\n${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, Node ${machine.node}, Docker ${machine.docker}; load ${loadBefore.map((value) => value.toFixed(2)).join(' ')} → ${machine.loadAfter.map((value) => value.toFixed(2)).join(' ')}; ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  const results = join(root, 'bench', 'results');
  mkdirSync(results, {recursive: true});
  const file = join(results, `server-${new Date().toISOString().replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({bench: 'server', date: new Date().toISOString(), quick: QUICK, plan: PLAN, machine, figures, verdicts: judge(figures), leftAfterClose, seconds: (Date.now() - startedAt) / 1000}, null, 2)}\n`,
  );
  log(`wrote ${file}`);
}

await main();
