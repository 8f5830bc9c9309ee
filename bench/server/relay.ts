/**
 * The floor of any server that sits in its own process between a browser and
 * the engine: a bare `ws` relay (no sessions, tokens, limits, ring or
 * metering), forked as a child, that attaches to one hardened container and
 * copies bytes both ways. The echo through it, beside the direct attach and
 * the real server in the same run, splits the server's echo overhead into
 * what the extra process hop costs on this machine and what the server's own
 * code adds.
 *
 *   parent: RelayTerminal.start(createOptions) → fork(relay.ts) → ws client
 *   child:  create + attach + start the container, then one ws connection
 */
import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import type {Duplex} from 'node:stream';
import {fileURLToPath} from 'node:url';
import Dockerode from 'dockerode';
import WebSocket, {WebSocketServer} from 'ws';
import type {Terminal} from './direct.js';
import {Waiters} from './waiters.js';

interface Ready {
  port: number;
}

async function runRelay(createOptions: Dockerode.ContainerCreateOptions): Promise<void> {
  const docker = new Dockerode();
  const container = await docker.createContainer(createOptions);
  const stream = (await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true})) as Duplex;
  // Like the server: no compression, Nagle off (ws does that on its sockets).
  const wss = new WebSocketServer({host: '127.0.0.1', port: 0, perMessageDeflate: false});
  await once(wss, 'listening');
  const end = () => void container.remove({force: true}).finally(() => process.exit(0));
  // The bench went away (ended or crashed): leave nothing behind.
  process.once('disconnect', end);
  stream.on('error', () => undefined);
  wss.once('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => stream.write(data));
    stream.on('data', (chunk: Buffer) => ws.send(chunk));
    ws.on('close', end);
  });
  await container.start();
  process.send!({port: (wss.address() as {port: number}).port} satisfies Ready);
}

export class RelayTerminal implements Terminal {
  onOutput: ((data: Buffer, at: number) => void) | undefined;
  bytes = 0;
  tail = '';
  readonly #waiters = new Waiters();

  private constructor(
    private readonly ws: WebSocket,
    private readonly child: ChildProcess,
  ) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      this.bytes += data.length;
      this.onOutput?.(data, at);
      this.tail = (this.tail + data.toString('latin1')).slice(-4096);
      this.#waiters.wake();
    });
  }

  static async start(createOptions: Dockerode.ContainerCreateOptions): Promise<RelayTerminal> {
    const child = fork(fileURLToPath(import.meta.url), ['--relay'], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
    child.send(createOptions);
    // A child that fails before it is ready exits instead of answering.
    const ready = await Promise.race([
      once(child, 'message').then(([message]) => message as Ready),
      once(child, 'exit').then(([code]) => {
        throw new Error(`the relay exited (${String(code)}) before it was ready`);
      }),
    ]);
    const ws = new WebSocket(`ws://127.0.0.1:${ready.port}`, {perMessageDeflate: false});
    await once(ws, 'open');
    return new RelayTerminal(ws, child);
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

  /** Closes the socket; the child removes its container and exits. */
  async remove(): Promise<void> {
    const exited = this.child.exitCode === null ? once(this.child, 'exit') : Promise.resolve();
    this.ws.close();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

if (process.argv.includes('--relay')) {
  process.once('message', (createOptions) => {
    runRelay(createOptions as Dockerode.ContainerCreateOptions).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
}
