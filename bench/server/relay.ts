/**
 * The floor of any server that sits in its own process between a browser and
 * the engine: a bare `ws` relay (no sessions, tokens, limits, ring or
 * metering), forked as a child, that attaches to hardened containers and
 * copies bytes both ways. One relay process serves many terminals, as one
 * server does. The echo through it, beside the direct attach and the real
 * server in the same run, splits the server's overhead into what the extra
 * process costs on this machine and what the server's own code adds; the same
 * split for 200 typing sessions shows what one more busy process costs a
 * saturated machine.
 *
 *   parent: RelayProcess.start() → fork(relay.ts --relay) → {port}
 *           relay.open(createOptions) → ws; first (text) message: the create options
 *   child:  per connection: create + attach + start, text "started", then bytes both ways;
 *           the connection closes → the container is removed
 */
import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import type {Duplex} from 'node:stream';
import {fileURLToPath} from 'node:url';
import Dockerode from 'dockerode';
import WebSocket, {type RawData, WebSocketServer} from 'ws';
import type {Terminal} from './direct.js';
import {processCpu} from './proc.js';
import {Waiters} from './waiters.js';

interface Ready {
  port: number;
}

async function runRelay(): Promise<void> {
  const docker = new Dockerode();
  const containers = new Set<Dockerode.Container>();
  // Like the server: no compression, Nagle off (ws does that on its sockets).
  const wss = new WebSocketServer({host: '127.0.0.1', port: 0, perMessageDeflate: false});
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.once('message', (options: RawData) => {
      void (async () => {
        const container = await docker.createContainer(JSON.parse(options.toString()) as Dockerode.ContainerCreateOptions);
        containers.add(container);
        const remove = () => {
          containers.delete(container);
          return container.remove({force: true}).catch(() => undefined);
        };
        if (ws.readyState !== WebSocket.OPEN) return void remove();
        ws.once('close', () => void remove());
        const stream = (await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true})) as Duplex;
        stream.on('error', () => undefined);
        ws.on('message', (data: Buffer) => stream.write(data));
        stream.on('data', (chunk: Buffer) => ws.send(chunk));
        await container.start();
        ws.send('started');
      })().catch((error: unknown) => ws.close(1011, String(error).slice(0, 100)));
    });
  });
  // The bench went away (ended or crashed): leave nothing behind.
  process.once('disconnect', () => {
    void Promise.allSettled([...containers].map((container) => container.remove({force: true}))).finally(() => process.exit(0));
  });
  process.send!({port: (wss.address() as {port: number}).port} satisfies Ready);
}

/** The relay child: one process for all its terminals. */
export class RelayProcess implements AsyncDisposable {
  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
  ) {}

  static async start(): Promise<RelayProcess> {
    const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = fork(fileURLToPath(import.meta.url), ['--relay'], {execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
    // A child that fails before it is ready exits instead of answering.
    const ready = await Promise.race([
      once(child, 'message').then(([message]) => message as Ready),
      once(child, 'exit').then(([code]) => {
        throw new Error(`the relay exited (${String(code)}) before it was ready`);
      }),
    ]);
    return new RelayProcess(child, ready.port);
  }

  /** CPU time (ms) the relay process has used so far (Linux /proc; 0 elsewhere). */
  cpuMs(): number {
    return this.child.pid === undefined ? 0 : (processCpu(this.child.pid)?.cpuMs ?? 0);
  }

  /** A terminal on a new container made from `createOptions`, once its command started. */
  async open(createOptions: Dockerode.ContainerCreateOptions): Promise<RelayTerminal> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}`, {perMessageDeflate: false});
    await once(ws, 'open');
    ws.send(JSON.stringify(createOptions));
    const terminal = new RelayTerminal(ws);
    await terminal.started;
    return terminal;
  }

  /** Ends the child; it removes the containers it still holds. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

export class RelayTerminal implements Terminal {
  onOutput: ((data: Buffer, at: number) => void) | undefined;
  bytes = 0;
  tail = '';
  readonly started: Promise<void>;
  readonly #waiters = new Waiters();

  constructor(private readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    this.started = new Promise((resolve, reject) => {
      ws.once('close', (code, reason) => reject(new Error(`relay: closed before the start (${code} ${reason.toString()})`)));
      ws.on('message', (data: Buffer, isBinary) => {
        if (!isBinary) return resolve();
        const at = performance.now();
        this.bytes += data.length;
        this.onOutput?.(data, at);
        this.tail = (this.tail + data.toString('latin1')).slice(-4096);
        this.#waiters.wake();
      });
    });
    this.started.catch(() => undefined);
  }

  type(data: string | Buffer): void {
    this.ws.send(typeof data === 'string' ? Buffer.from(data) : data);
  }

  waitForText(text: string, timeoutMs = 30_000): Promise<void> {
    return this.#waiters.waitFor({
      predicate: () => this.tail.includes(text),
      timeoutMs,
      failure: () => new Error(`relay: timed out waiting for ${JSON.stringify(text)}; tail ${JSON.stringify(this.tail.slice(-200))}`),
    });
  }

  /** Closes the socket; the relay removes the container. */
  async remove(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
}

if (process.argv.includes('--relay')) {
  runRelay().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
