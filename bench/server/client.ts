/**
 * A lean benchmark client of the public API (POST /api/sessions, then the
 * WebSocket), timing from the moment before the POST. It can acknowledge
 * output like the theme does (`hello` with acks, an `ack` every
 * ACK_EVERY_BYTES), counting a chunk as processed when it arrives: the upper
 * bound of a browser, which acks after xterm has parsed.
 */
import WebSocket from 'ws';
import {
  ACK_EVERY_BYTES,
  clientSubprotocols,
  type CreateSessionRequest,
  type CreateSessionResponse,
} from '../../protocol/index.js';
import {Waiters} from './waiters.js';

export interface OpenOptions {
  /** Acknowledge output (flow window on). */
  acks?: boolean;
  /** Keep the output's tail for waitForText (off for throughput runs: it costs client CPU). */
  keepTail?: boolean;
}

export class BenchSession {
  /** performance.now() right before the POST. */
  readonly startedAt: number;
  firstByteAt: number | undefined;
  /** performance.now() when the POST's answer had arrived, and when the socket was open. */
  answeredAt = 0;
  openedAt = 0;
  /** The POST's answer (a page session's step carries its `environment`). */
  created: CreateSessionResponse | undefined;
  bytes = 0;
  /** Called for every binary frame (terminal output). */
  onOutput: ((data: Buffer, at: number) => void) | undefined;
  /** The last 4 KiB of output as text, for waiting on a prompt. */
  tail = '';
  keepTail = true;
  exitCode: number | undefined;
  readonly ended: Promise<void>;
  #unacknowledged = 0;
  readonly #waiters = new Waiters();

  private constructor(
    readonly ws: WebSocket,
    startedAt: number,
    readonly acks: boolean,
  ) {
    this.startedAt = startedAt;
    this.ended = new Promise((resolve) => ws.on('close', () => resolve()));
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary) => {
      const at = performance.now();
      if (!isBinary) {
        const message = JSON.parse(data.toString('utf8')) as {type: string; code?: number};
        if (message.type === 'exit') this.exitCode = message.code;
        this.#waiters.wake();
        return;
      }
      this.firstByteAt ??= at;
      this.bytes += data.length;
      this.onOutput?.(data, at);
      if (this.acks) {
        this.#unacknowledged += data.length;
        if (this.#unacknowledged >= ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({type: 'ack', bytes: this.#unacknowledged}));
          this.#unacknowledged = 0;
        }
      }
      if (this.keepTail) this.tail = (this.tail + data.toString('latin1')).slice(-4096);
      if (this.#waiters.size > 0) this.#waiters.wake();
    });
    ws.on('close', () => this.#waiters.wake());
  }

  /** POST then connect; resolves once the socket is open. */
  static async open(url: string, body: CreateSessionRequest, options: OpenOptions = {}): Promise<BenchSession> {
    const startedAt = performance.now();
    const response = await fetch(`${url}/api/sessions`, {
      method: 'POST',
      headers: {'content-type': 'application/json', origin: url},
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const answeredAt = performance.now();
    if (response.status !== 201) throw new Error(`POST /api/sessions: ${response.status} ${text}`);
    const created = JSON.parse(text) as CreateSessionResponse;
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${created.ws}`, clientSubprotocols(created.token), {origin: url});
    const session = new BenchSession(ws, startedAt, options.acks === true);
    session.keepTail = options.keepTail !== false;
    session.answeredAt = answeredAt;
    session.created = created;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        session.openedAt = performance.now();
        resolve();
      });
      ws.once('unexpected-response', (_request, answer) => reject(new Error(`upgrade refused: ${answer.statusCode}`)));
      ws.once('error', reject);
    });
    if (session.acks) ws.send(JSON.stringify({type: 'hello', acks: true}));
    return session;
  }

  /** Resolves once `predicate` holds (checked on every message); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return this.#waiters.waitFor({
      predicate,
      timeoutMs,
      gone: () => this.ws.readyState === WebSocket.CLOSED,
      failure: (reason) =>
        new Error(`${reason === 'closed' ? 'socket closed while' : 'timed out'} waiting for ${what}; output tail ${JSON.stringify(this.tail.slice(-200))}`),
    });
  }

  waitForText(text: string, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(() => this.tail.includes(text), timeoutMs, JSON.stringify(text));
  }

  type(data: string | Buffer): void {
    this.ws.send(typeof data === 'string' ? Buffer.from(data) : data, {binary: true});
  }

  /** Ends the session (SIGKILL) and waits for the socket to close. */
  async kill(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({type: 'signal', signal: 'SIGKILL'}));
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    this.ws.terminate();
  }
}
