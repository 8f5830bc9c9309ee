/**
 * `npm run bench -- shares [--quick] [--seconds N]`: the owner's keystroke
 * echo with 0, 1 and 8 viewers in the same run. One sandbox server runs in
 * this process with three sessions of `cat`, shared with 0, 1 and 8 viewers
 * (view shares, each viewer reading); the owners' echoes are sampled in turns,
 * rotating the order, so the three meet the same load. Two phases: `quiet`
 * (only the echo) and `flood` (each program also prints numbered lines in
 * bursts, ~0.3 MB/s, which every viewer receives). Prints p50/p90/p99 and each
 * p99 beside 0 viewers; writes JSON to bench/results/.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import WebSocket from 'ws';
import {normalizeConfig} from '../../config/index.js';
import {clientSubprotocols, parseServerMessage, shareSubprotocols, type CreateSessionResponse, type CreateShareResponse} from '../../protocol/index.js';
import {createSandboxServer} from '../../server/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {LABELS} from '../../server/runtime/types.js';
import {formatSharesReport, summarize, turnOrder} from './report.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const secondsAt = argv.indexOf('--seconds');
const PHASE_MS = (secondsAt === -1 ? (QUICK ? 10 : 30) : Number(argv[secondsAt + 1])) * 1000;
const VIEWER_COUNTS = [0, 1, 8] as const;
const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The flood's switch: the program prints while /workspace/flood exists (made by `docker exec` for the second phase). */
const PROGRAM = 'while :; do if [ -e /workspace/flood ]; then seq 1 1000; sleep 0.02; else sleep 0.05; fi; done & exec cat';

const instanceId = `bench-shares-${process.pid}-${Date.now().toString(36)}`;
const config = normalizeConfig({
  limits: {idleTimeout: '600s', maxLifetime: '30m', outputLimit: '2g'},
  server: {host: '127.0.0.1', port: 0, instanceId, allowInline: true, heartbeatInterval: '10m', maxViewersPerSession: 8, sharesPerMinute: 100},
});

/** Opens a socket; `listen` attaches its handlers before it opens (a first frame can come with the 101). */
function open(url: string, protocols: string[], origin: string, listen: (ws: WebSocket) => void = () => {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, {origin});
    listen(ws);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** An owner: its socket, its latest resume token, and echo round trips of typed markers. */
class Owner {
  resumeToken = '';
  #tail = '';
  #waiting: {marker: string; resolve: () => void} | undefined;
  #count = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const message = parseServerMessage((data as Buffer).toString());
        if (message?.type === 'resume-token') this.resumeToken = message.token;
        return;
      }
      if (!this.#waiting) return;
      const text = this.#tail + (data as Buffer).toString('latin1');
      this.#tail = text.slice(-16);
      if (text.includes(this.#waiting.marker)) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting.resolve();
      }
    });
  }

  async echo(): Promise<number> {
    const marker = `Zq${this.#count++}Q`;
    const echoed = new Promise<void>((resolve) => (this.#waiting = {marker, resolve}));
    const start = performance.now();
    this.ws.send(Buffer.from(`${marker}\r`));
    await Promise.race([echoed, sleep(5_000)]);
    return performance.now() - start;
  }
}

await buildImages({envs: ['shell']});
const server = createSandboxServer({config});
const {url} = await server.listen();
const origin = url;
const wsBase = url.replace(/^http/, 'ws');
const sockets: WebSocket[] = [];
try {
  const owners = new Map<number, Owner>();
  for (const viewers of VIEWER_COUNTS) {
    const response = await fetch(`${url}/api/sessions`, {method: 'POST', headers: {'content-type': 'application/json', origin}, body: JSON.stringify({env: 'shell', cmd: PROGRAM, interactive: true})});
    const session = (await response.json()) as CreateSessionResponse;
    let owner: Owner | undefined;
    const ws = await open(`${wsBase}${session.ws}`, clientSubprotocols(session.token), origin, (socket) => (owner = new Owner(socket)));
    sockets.push(ws);
    if (!owner) throw new Error('no owner');
    owners.set(viewers, owner);
    while (!owner.resumeToken) await sleep(20);
    // Every session is shared (so each has its screen mirror): the viewer count is the only difference.
    const shareResponse = await fetch(`${url}/api/sessions/${session.id}/shares`, {
      method: 'POST',
      headers: {'content-type': 'application/json', origin, authorization: `Bearer ${owner.resumeToken}`},
      body: JSON.stringify({mode: 'view', ttl: '1h'}),
    });
    const share = (await shareResponse.json()) as CreateShareResponse;
    for (let index = 0; index < viewers; index++) {
      const viewer = await open(`${wsBase}${session.ws}`, shareSubprotocols(share.token), origin, (socket) => socket.on('message', () => {}));
      sockets.push(viewer);
    }
  }
  const sample = async (ms: number) => {
    const samples = new Map<number, number[]>(VIEWER_COUNTS.map((count) => [count, []]));
    const end = Date.now() + ms;
    for (let turn = 0; Date.now() < end; turn++) {
      for (const viewers of turnOrder(VIEWER_COUNTS, turn)) samples.get(viewers)!.push(await owners.get(viewers)!.echo());
      await sleep(10);
    }
    return samples;
  };
  log(`warming up (${Math.round(PHASE_MS / 3000)} s)`);
  await sample(PHASE_MS / 3);
  log(`quiet phase (${PHASE_MS / 1000} s)`);
  const quiet = summarize(await sample(PHASE_MS));
  // Started from outside the terminal: anything typed goes to `cat`.
  log('flood phase: starting the floods');
  await startFloods(instanceId);
  await sleep(2_000);
  log(`flood phase (${PHASE_MS / 1000} s)`);
  const flood = summarize(await sample(PHASE_MS));
  const report = formatSharesReport([
    {name: 'quiet', results: quiet},
    {name: 'flood (~0.3 MB/s per session, to every viewer)', results: flood},
  ]);
  console.log(report);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, {recursive: true});
  const file = join(dir, `shares-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({date: new Date().toISOString(), cpus: cpus().length, load: loadavg(), phaseMs: PHASE_MS, quiet, flood}, null, 2));
  log(`wrote ${file}`);
} finally {
  for (const socket of sockets) socket.close(1000);
  await server.close();
}

/** Creates /workspace/flood in each bench container (docker exec), which starts its program's flood. */
async function startFloods(instance: string): Promise<void> {
  const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=${LABELS.instance}=${instance}`], {encoding: 'utf8'}).split('\n').filter(Boolean);
  for (const id of ids) execFileSync('docker', ['exec', id, 'touch', '/workspace/flood']);
}
