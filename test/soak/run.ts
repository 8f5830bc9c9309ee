/**
 * Soak test: `npm run soak -- --duration 10m [--rate 2]`.
 *
 * An in-process server on the real engine gets N new sessions per second, each
 * a random scenario a reader produces: a program that exits (with its code),
 * Ctrl-C, a kill, a flood read to the end, and a dropped connection that is
 * either resumed with the in-band credential (the program must still run, the
 * output continue from the offset) or abandoned to the reconnect grace.
 * Every interval the heap (heapUsed + external after a forced GC) is sampled.
 *
 * At the end it waits for every session to end and reports leaked containers
 * (this instance's labelled containers still on the engine: must be 0), the
 * memory curve and its growth (must stay under 10 %), and outcomes and errors
 * by code. Exit status 1 on a leak, on growth, or on an `internal` error.
 */
import {parseArgs} from 'node:util';
import Dockerode from 'dockerode';
import WebSocket from 'ws';
import {normalizeConfig, parseDuration} from '../../config/index.js';
import {
  clientSubprotocols,
  parseServerMessage,
  resumeSubprotocols,
  type CreateSessionResponse,
  type ErrorBody,
  type ServerMessage,
} from '../../protocol/index.js';
import {createSandboxServer} from '../../server/index.js';
import {createLogger} from '../../server/log.js';
import {buildImages} from '../../server/runtime/images.js';
import {LABELS} from '../../server/runtime/types.js';

const {values} = parseArgs({
  options: {
    duration: {type: 'string', default: '10m'},
    rate: {type: 'string', default: '2'},
    'sample-every': {type: 'string', default: ''},
    'max-growth': {type: 'string', default: '10'},
  },
});
const rate = Number(values.rate);
const durationMs = parseDuration(values.duration) ?? 0;
if (durationMs <= 0 || !(rate > 0)) {
  process.stderr.write('usage: npm run soak -- --duration 10m [--rate SESSIONS_PER_SECOND] [--sample-every 10s]\n');
  process.exit(2);
}
const sampleEveryMs = (values['sample-every'] ? parseDuration(values['sample-every']) : undefined) ?? Math.max(5_000, Math.round(durationMs / 30));
const maxGrowth = Number(values['max-growth']) / 100;

const gc = (globalThis as {gc?: () => void}).gc;
if (!gc) {
  process.stderr.write('run with --expose-gc (npm run soak does) so memory is measured after a forced GC\n');
  process.exit(2);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (items: readonly string[]) => items[Math.floor(Math.random() * items.length)]!;

const instanceId = `soak-${process.pid}-${Date.now().toString(36)}`;
const RECONNECT_GRACE_MS = 3_000;
const config = normalizeConfig({
  environments: {node: null, python: null},
  server: {
    host: '127.0.0.1',
    port: 0,
    instanceId,
    allowInline: true,
    maxSessions: 64,
    maxSessionsPerClient: 64,
    sessionsPerMinute: 100_000,
    reconnectGrace: RECONNECT_GRACE_MS,
  },
});

/** Outcomes and errors by code, for the report. */
const counts = new Map<string, number>();
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

interface Run {
  messages: ServerMessage[];
  output: number;
  text: string;
  socket: WebSocket;
  closed: Promise<number>;
}

function connect(url: string, protocols: string[], origin: string): Run {
  const socket = new WebSocket(url, protocols, {origin});
  const run: Run = {messages: [], output: 0, text: '', socket, closed: new Promise((resolve) => socket.on('close', (code) => resolve(code)))};
  socket.on('error', () => {});
  socket.on('message', (data, isBinary) => {
    const buffer = data as Buffer;
    if (isBinary) {
      run.output += buffer.length;
      run.text = (run.text + buffer.toString('latin1')).slice(-4096);
      return;
    }
    const message = parseServerMessage(buffer.toString());
    if (message) run.messages.push(message);
  });
  return run;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) if (predicate()) return true;
  return predicate();
}

const ended = (run: Run) => run.messages.find((message) => message.type === 'exit' || message.type === 'error');

function settle(scenario: string, run: Run): void {
  const end = ended(run);
  if (!end) count(`${scenario}: no end message`);
  else if (end.type === 'exit') count(`outcome ${end.reason}`);
  else count(`error ${end.code}`);
}

const SCENARIOS = ['exit', 'exit', 'ctrl-c', 'kill', 'flood', 'drop'] as const;

async function scenario(base: string, name: (typeof SCENARIOS)[number], index: number): Promise<void> {
  const cmd = {
    exit: `echo soak-${index}; exit ${index % 3}`,
    'ctrl-c': 'echo ready; sleep 60',
    kill: 'echo ready; sleep 60',
    flood: "head -c 3000000 /dev/zero | tr '\\0' x",
    drop: 'i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); sleep 0.02; done',
  }[name];
  const response = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: {'content-type': 'application/json', origin: base},
    body: JSON.stringify({env: 'shell', cmd}),
  }).catch(() => undefined);
  if (!response) return void count('error unreachable');
  const body = (await response.json().catch(() => undefined)) as CreateSessionResponse | ErrorBody | undefined;
  if (!response.ok || !body || 'error' in body) return void count(`error ${body && 'error' in body ? body.error.code : `http-${response.status}`}`);
  const socketUrl = `${base.replace(/^http/, 'ws')}${body.ws}`;
  const run = connect(socketUrl, clientSubprotocols(body.token), base);
  const running = () => run.messages.some((message) => message.type === 'status' && message.state === 'running');

  switch (name) {
    case 'exit':
    case 'flood':
      await until(() => ended(run) !== undefined, 60_000);
      break;
    case 'ctrl-c':
    case 'kill':
      await until(() => running() && run.text.includes('ready'), 30_000);
      run.socket.send(JSON.stringify({type: 'signal', signal: name === 'kill' ? 'SIGKILL' : 'SIGINT'}));
      await until(() => ended(run) !== undefined, 30_000);
      break;
    case 'drop': {
      await until(() => run.text.includes('line-20'), 30_000);
      const credential = [...run.messages].reverse().find((message) => message.type === 'resume-token');
      run.socket.terminate();
      await run.closed;
      if (!credential || credential.type !== 'resume-token' || Math.random() < 0.3) {
        // Abandoned: the server ends it after the reconnect grace.
        count('dropped and abandoned');
        return;
      }
      await sleep(200 + Math.random() * 800);
      const resumed = connect(socketUrl, resumeSubprotocols(credential.token, run.output), base);
      const offset = run.output;
      await until(() => ended(resumed) !== undefined, 60_000);
      const replay = resumed.messages.find((message) => message.type === 'replay');
      if (!replay) count('resume: no replay message');
      else if (replay.type === 'replay' && replay.from !== offset && !replay.truncated) count('resume: replay from a wrong offset');
      else count('resumed');
      settle(name, resumed);
      resumed.socket.close();
      return;
    }
  }
  settle(name, run);
  run.socket.close();
}

interface Sample {
  atS: number;
  heapMB: number;
  rssMB: number;
  active: number;
  /** Taken while new sessions were still being started. */
  loading: boolean;
}

async function main(): Promise<number> {
  await buildImages({envs: ['shell']});
  const logger = createLogger({level: 'warn', destination: {write: (line: string) => process.stderr.write(line)}});
  const server = createSandboxServer({config, logger});
  const {url} = await server.listen();
  const docker = new Dockerode();
  const started = Date.now();
  process.stdout.write(`soak: ${values.duration} at ${rate} sessions/s against ${url} (instance ${instanceId})\n`);

  const samples: Sample[] = [];
  let loading = true;
  const sample = () => {
    gc!();
    const memory = process.memoryUsage();
    const entry = {
      atS: Math.round((Date.now() - started) / 1000),
      heapMB: (memory.heapUsed + memory.external) / 2 ** 20,
      rssMB: memory.rss / 2 ** 20,
      active: server.activeSessions,
      loading,
    };
    samples.push(entry);
    process.stdout.write(`  t=${entry.atS}s heap+external=${entry.heapMB.toFixed(1)} MB rss=${entry.rssMB.toFixed(1)} MB active=${entry.active}\n`);
  };
  const sampler = setInterval(sample, sampleEveryMs);

  let stopping = false;
  process.once('SIGINT', () => {
    process.stdout.write('soak: interrupted, finishing what runs\n');
    stopping = true;
  });
  const inFlight = new Set<Promise<void>>();
  let index = 0;
  const interval = 1000 / rate;
  for (let next = Date.now(); !stopping && Date.now() - started < durationMs; next += interval) {
    const name = random(SCENARIOS);
    const run = scenario(url, name as (typeof SCENARIOS)[number], index++).catch((error: unknown) => {
      count(`soak client failure: ${String(error)}`);
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    await sleep(Math.max(0, next + interval - Date.now()));
  }
  loading = false;
  await Promise.all(inFlight);
  // Abandoned sessions end after the reconnect grace; their containers go with them.
  await until(() => server.activeSessions === 0, RECONNECT_GRACE_MS + 20_000);
  await sleep(RECONNECT_GRACE_MS + 2_000);
  clearInterval(sampler);
  sample();

  const leftover = async () => docker.listContainers({all: true, filters: {label: [`${LABELS.instance}=${instanceId}`]}});
  let leaked = await leftover();
  for (const deadline = Date.now() + 10_000; leaked.length > 0 && Date.now() < deadline; leaked = await leftover()) await sleep(500);
  await server.close();

  // Like against like: the median of the first quarter of the samples taken under load (after the
  // first, warm-up one) against the median of the last quarter under load. The idle sample after
  // the drain is shown too; it must not be above the loaded baseline by more than the limit either.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const loaded = samples.filter((entry) => entry.loading).slice(1).map((entry) => entry.heapMB);
  const quarter = Math.max(1, Math.floor(loaded.length / 4));
  const baseline = median(loaded.slice(0, quarter));
  const end = median(loaded.slice(-quarter));
  const idle = samples.at(-1)?.heapMB ?? 0;
  const growth = baseline > 0 ? Math.max(end, idle) / baseline - 1 : 0;

  process.stdout.write(`\nsessions started: ${index}\n`);
  for (const [key, value] of [...counts].sort()) process.stdout.write(`  ${key}: ${value}\n`);
  process.stdout.write(`leaked containers: ${leaked.length}${leaked.length ? ` (${leaked.map((info) => info.Id.slice(0, 12)).join(', ')})` : ''}\n`);
  process.stdout.write(
    `memory (heapUsed + external after GC): ${baseline.toFixed(1)} MB early under load, ${end.toFixed(1)} MB late under load, ` +
      `${idle.toFixed(1)} MB idle after; growth ${(growth * 100).toFixed(1)} % (limit ${(maxGrowth * 100).toFixed(0)} %)\n`,
  );
  const internal = counts.get('error internal') ?? 0;
  const failures = [
    ...(leaked.length > 0 ? [`${leaked.length} leaked containers`] : []),
    ...(growth > maxGrowth ? [`memory grew ${(growth * 100).toFixed(1)} %`] : []),
    ...(internal > 0 ? [`${internal} internal errors`] : []),
  ];
  process.stdout.write(failures.length ? `SOAK FAILED: ${failures.join('; ')}\n` : 'soak passed\n');
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
