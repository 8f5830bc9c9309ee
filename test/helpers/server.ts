/**
 * Starts a real sandbox server on an ephemeral port and speaks to it like a
 * client would. Reusable by any integration, security or e2e test.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import WebSocket from 'ws';
import {normalizeConfig, type SandboxConfigInput, type SandboxManifest} from '../../config/index.js';
import {
  clientSubprotocols,
  parseServerMessage,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type ServerMessage,
} from '../../protocol/index.js';
import {createSandboxServer, type SandboxServer} from '../../server/index.js';
import type {SandboxLogger} from '../../server/log.js';
import type {ContainerRuntime} from '../../server/runtime/types.js';
import {LABELS} from '../../server/runtime/types.js';

export interface TestServer extends AsyncDisposable {
  server: SandboxServer;
  url: string;
  /** The origin the server accepts by default (its own). */
  origin: string;
  post(body: unknown, headers?: Record<string, string>): Promise<{status: number; headers: Headers; body: unknown}>;
  /** POST /api/sessions, expecting 201. */
  create(body: CreateSessionRequest): Promise<CreateSessionResponse>;
  /** POST and connect. */
  open(body: CreateSessionRequest): Promise<TestClient>;
  connect(session: CreateSessionResponse, options?: ConnectOptions): Promise<TestClient>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  protocols?: string[];
  origin?: string | null;
  query?: string;
}

/** With SANDBOX_TEST_LOG=1 a test server prints its warnings and errors (and with =info everything): for debugging a failure. */
function testLogger(): SandboxLogger | undefined {
  const level = process.env.SANDBOX_TEST_LOG;
  if (!level) return undefined;
  const print = (name: string) => (details: object, message: string) => console.error(`[server ${name}] ${message} ${JSON.stringify(details)}`);
  return {info: level === 'info' ? print('info') : () => {}, warn: print('warn'), error: print('error')};
}

/** A unique instance id per test file keeps parallel suites' containers apart. */
export const testInstanceId = (name: string) => `test-${name}-${process.pid}-${Date.now().toString(36)}`;

export async function startTestServer(options: {
  config?: SandboxConfigInput;
  manifest?: SandboxManifest;
  siteDir?: string;
  runtime?: ContainerRuntime;
  instanceId: string;
}): Promise<TestServer> {
  const input = options.config ?? {};
  const config = normalizeConfig({
    ...input,
    server: {host: '127.0.0.1', allowInline: true, ...input.server, port: 0, instanceId: options.instanceId},
  });
  const server = createSandboxServer({config, manifest: options.manifest, siteDir: options.siteDir, runtime: options.runtime, logger: testLogger()});
  const {url} = await server.listen();
  const close = () => server.close();
  return {...serverClient(url), server, close, [Symbol.asyncDispose]: close};
}

export type ServerClient = Pick<TestServer, 'url' | 'origin' | 'post' | 'create' | 'open' | 'connect'>;

/** Speaks to any running server (e.g. a CLI child process) at `url`, as a page from its own origin. */
export function serverClient(url: string): ServerClient {
  const origin = url;
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/api/sessions`, {
      method: 'POST',
      headers: {'content-type': 'application/json', origin, ...headers},
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return {status: response.status, headers: response.headers, body: parsed};
  };
  const create = async (body: CreateSessionRequest) => {
    const response = await post(body);
    if (response.status !== 201) throw new Error(`POST /api/sessions: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as CreateSessionResponse;
  };
  const connect = (session: CreateSessionResponse, connectOptions: ConnectOptions = {}) =>
    TestClient.connect(`${url.replace(/^http/, 'ws')}${session.ws}${connectOptions.query ?? ''}`, {
      protocols: connectOptions.protocols ?? clientSubprotocols(session.token),
      origin: connectOptions.origin === null ? undefined : (connectOptions.origin ?? origin),
    });
  return {url, origin, post, create, connect, open: async (body) => connect(await create(body))};
}

/** Refused upgrades: the HTTP status (and body) the server wrote before any upgrade. */
export function refusedUpgrade(url: string, protocols: string[], origin?: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin === undefined ? {} : {origin});
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => {});
  });
}

/** A minimal client: collects terminal bytes and control messages, awaits conditions. */
export class TestClient {
  readonly received: Buffer[] = [];
  receivedBytes = 0;
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{code: number; reason: string}>;
  private waiters = new Set<() => void>();
  /** Keep only the last this many bytes of output (floods). */
  keepBytes = 4 * 1024 * 1024;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({code, reason: reason.toString()})));
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const buffer = data as Buffer;
      if (isBinary) {
        this.received.push(buffer);
        this.receivedBytes += buffer.length;
        let kept = this.received.reduce((sum, chunk) => sum + chunk.length, 0);
        while (kept > this.keepBytes && this.received.length > 1) kept -= this.received.shift()!.length;
      } else {
        const message = parseServerMessage(buffer.toString());
        if (message) this.messages.push(message);
      }
      for (const waiter of this.waiters) waiter();
    });
    ws.on('close', () => {
      for (const waiter of this.waiters) waiter();
    });
  }

  static connect(url: string, options: {protocols: string[]; origin?: string | undefined}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols, options.origin ? {origin: options.origin} : {});
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get output(): string {
    return Buffer.concat(this.received).toString('utf8');
  }

  /** Resolves once `predicate` holds (checked on every frame), or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; output so far: ${JSON.stringify(this.output.slice(-500))}; messages: ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void> {
    const matches = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    return this.waitFor(matches, timeoutMs, `output ${String(text)}`);
  }

  async waitForExit(timeoutMs?: number): Promise<Extract<ServerMessage, {type: 'exit'}>> {
    await this.waitFor(() => this.messages.some((message) => message.type === 'exit'), timeoutMs, 'exit message');
    return this.messages.find((message) => message.type === 'exit') as Extract<ServerMessage, {type: 'exit'}>;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  control(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  close(): void {
    this.ws.close();
  }
}

/** Containers carrying this instance's label (running or not). */
export function labelledContainers(instanceId: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.instance}=${instanceId}`], {encoding: 'utf8'});
  return out.split('\n').filter(Boolean);
}

/** Polls until no container carries this instance's label; returns how many were left at the deadline. */
export async function waitForNoContainers(instanceId: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = labelledContainers(instanceId).length;
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

const CLI_MAIN = new URL('../../server/cli/main.ts', import.meta.url).pathname;

/**
 * Spawns `docusaurus-sandbox serve --allow-inline` as its own process (so tests
 * can SIGTERM or `kill -9` it) and resolves with its URL once it prints
 * `listening on <url>`.
 */
export async function spawnServe(options: {instanceId: string; configFile: string; port?: number}): Promise<ServeProcess> {
  const args = ['--import', 'tsx', CLI_MAIN, 'serve', '--port', String(options.port ?? 0), '--allow-inline', '--config', options.configFile];
  const child = spawn(process.execPath, args, {
    env: {...process.env, SANDBOX_INSTANCE_ID: options.instanceId},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({code: code as number | null, signal: signal as NodeJS.Signals | null}));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(({code}) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000).unref();
  });
  return {child, url, exited};
}
