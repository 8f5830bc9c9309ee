/**
 * The cluster suite's client side: the cluster CLI run as a user would, and
 * sessions opened through the entry from a chosen loopback address (nginx
 * forwards $remote_addr, so each address is one client for the limits).
 */
import {execFile} from 'node:child_process';
import {request} from 'node:http';
import {promisify} from 'node:util';
import WebSocket from 'ws';
import {clientSubprotocols, resumeSubprotocols, type CreateSessionResponse} from '../../protocol/index.js';

const run = promisify(execFile);

export async function clusterCli(dir: string, ...args: string[]): Promise<string> {
  const {stdout} = await run(process.execPath, ['--import', 'tsx', 'cluster/main.ts', ...args, '--dir', dir], {timeout: 240_000, maxBuffer: 1 << 20});
  return stdout;
}

export interface Answer {
  status: number;
  body: CreateSessionResponse & {error?: {code: string}};
}

/** POST /api/sessions through `entry` from loopback address `from`, following a 307 like a browser. */
export function createSession(entry: string, from: string, body: unknown, path = '/api/sessions'): Promise<Answer> {
  const url = new URL(path, entry);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {method: 'POST', localAddress: from, headers: {origin: entry, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)}, timeout: 15_000},
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          if (response.statusCode === 307 && response.headers.location) {
            createSession(entry, from, body, response.headers.location).then(resolve, reject);
            return;
          }
          let parsed: Answer['body'];
          try {
            parsed = JSON.parse(text) as Answer['body'];
          } catch {
            // nginx's own error pages (502 when no gateway answered) are HTML.
            parsed = {error: {code: `not-json: ${text.slice(0, 80)}`}} as Answer['body'];
          }
          resolve({status: response.statusCode ?? 0, body: parsed});
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('POST timed out')));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** A session's socket through the entry: output bytes, control messages, and the resume token. */
export class Terminal {
  readonly ws: WebSocket;
  output = Buffer.alloc(0);
  readonly messages: Array<Record<string, unknown>> = [];
  resumeToken: string | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  #waiters: Array<() => void> = [];

  constructor(entry: string, from: string, path: string, protocols: string[]) {
    this.ws = new WebSocket(entry.replace(/^http/, 'ws') + path, protocols, {origin: entry, localAddress: from});
    // Handlers before any await: the first frame may share the 101's segment.
    this.ws.on('message', (data: Buffer, binary) => {
      if (binary) this.output = Buffer.concat([this.output, data]);
      else {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        this.messages.push(message);
        if (message.type === 'resume-token') this.resumeToken = String(message.token);
      }
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      this.ws.once('close', () => reject(new Error('closed before open')));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
  }

  static open(entry: string, from: string, session: CreateSessionResponse): Terminal {
    return new Terminal(entry, from, session.ws, clientSubprotocols(session.token));
  }

  static resume(entry: string, from: string, session: CreateSessionResponse, token: string, offset: number): Terminal {
    return new Terminal(entry, from, session.ws, resumeSubprotocols(token, offset));
  }

  /** Resolves once `check` holds (checked after each frame); rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs = 10_000, what = 'output'): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms (got ${JSON.stringify(this.output.toString())})`)), timeoutMs);
      const wait = () => {
        if (check()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(wait);
      };
      this.#waiters.push(wait);
    });
  }

  text(): string {
    return this.output.toString();
  }

  close(): void {
    this.ws.close();
  }
}
