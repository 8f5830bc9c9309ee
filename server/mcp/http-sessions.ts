/**
 * The MCP sessions of the Streamable HTTP transport: one transport and one MCP
 * server per MCP session, at most `max` at once, each bound to the principal
 * that opened it and closed when its client goes away.
 *
 * HTTP has no "client went away" event of its own, so liveness is read from
 * the connections: while a client holds a request or its GET event stream
 * open it is there. Once none is open, a client that had held the event
 * stream (the SDK's client opens it right after initialising) is taken as gone
 * after `goneGraceMs` (a reconnecting stream comes back well within it); one
 * that never opened it after `idleMs` without a request. Closing the MCP
 * server ends its interactive sessions and one-shot runs, so their containers
 * go with it.
 */
import {randomBytes} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {StreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {isInitializeRequest} from '@modelcontextprotocol/sdk/types.js';
import type {Clock, TimerHandle} from '../clock.js';
import type {LogFunction} from '../log.js';
import type {SandboxMcpServer} from './server.js';

/** MCP sessions open at once on one server; each may hold a few sandbox sessions besides. */
export const MAX_MCP_SESSIONS = 16;
/** A client that held its event stream and has no connection left is gone after this. */
export const GONE_GRACE_MS = 3_000;
/** A client without an event stream is gone after this long with no request. */
export const IDLE_MS = 5 * 60_000;

export interface McpHttpSessionsOptions {
  clock: Clock;
  log: LogFunction;
  max?: number;
  goneGraceMs?: number;
  idleMs?: number;
}

/** Why a request gets no MCP answer: a JSON-RPC error body with an HTTP status. */
export interface McpRefusal {
  status: number;
  code: number;
  message: string;
}

interface Entry {
  principal: string;
  transport: StreamableHTTPServerTransport;
  mcp: SandboxMcpServer;
  open: number;
  heldStream: boolean;
  timer: TimerHandle | undefined;
}

export class McpHttpSessions implements AsyncDisposable {
  private readonly entries = new Map<string, Entry>();
  /** Initialize requests being answered: counted against `max` before their id exists. */
  private opening = 0;
  private closed = false;

  constructor(private readonly options: McpHttpSessionsOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Serves one authenticated request. A request without a session id must be
   * an initialize request, which makes a new MCP session with `createServer`;
   * any other request must name a session of the same principal. Returns a
   * refusal instead of answering when neither holds.
   */
  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
    principal: string,
    createServer: () => SandboxMcpServer,
  ): Promise<McpRefusal | undefined> {
    const header = request.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId !== undefined) {
      const entry = this.entries.get(sessionId);
      // Another principal's session id is answered like an unknown one: ids are not a credential to probe for.
      if (!entry || entry.principal !== principal) return {status: 404, code: -32001, message: 'no such MCP session (it ended, or was never opened); initialize a new one'};
      this.track(entry, request, response);
      await entry.transport.handleRequest(request, response, body);
      return undefined;
    }
    if (request.method !== 'POST' || !isInitializeRequest(body)) {
      return {status: 400, code: -32000, message: 'no Mcp-Session-Id header: the first request of an MCP session is initialize'};
    }
    const max = this.options.max ?? MAX_MCP_SESSIONS;
    if (this.closed) return {status: 503, code: -32000, message: 'the server is shutting down'};
    if (this.entries.size + this.opening >= max) return {status: 503, code: -32000, message: `at most ${max} MCP sessions at once on this server; close one (DELETE /mcp) or try later`};
    this.opening += 1;
    const mcp = createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomBytes(18).toString('base64url'),
      onsessioninitialized: (id) => {
        const entry: Entry = {principal, transport, mcp, open: 0, heldStream: false, timer: undefined};
        this.entries.set(id, entry);
        this.track(entry, request, response);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined) this.forget(id);
      void mcp.close();
    };
    try {
      await mcp.connect(transport);
      await transport.handleRequest(request, response, body);
    } finally {
      this.opening -= 1;
    }
    // An initialize the transport refused (bad version, bad headers) made no session: nothing may stay behind.
    if (transport.sessionId === undefined || !this.entries.has(transport.sessionId)) await mcp.close();
    return undefined;
  }

  /** Closes every MCP session (and so their sandbox sessions). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    for (const entry of all) this.options.clock.clearTimeout(entry.timer);
    this.entries.clear();
    await Promise.allSettled(all.map((entry) => entry.mcp.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private track(entry: Entry, request: IncomingMessage, response: ServerResponse): void {
    entry.open += 1;
    if (request.method === 'GET') entry.heldStream = true;
    this.options.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    response.once('close', () => {
      entry.open -= 1;
      if (entry.open > 0) return;
      const wait = entry.heldStream ? (this.options.goneGraceMs ?? GONE_GRACE_MS) : (this.options.idleMs ?? IDLE_MS);
      this.options.clock.clearTimeout(entry.timer);
      entry.timer = this.options.clock.setTimeout(() => {
        const id = entry.transport.sessionId;
        this.options.log('info', 'mcp client gone; closing its MCP session', {heldStream: entry.heldStream});
        if (id !== undefined) this.forget(id);
        void entry.mcp.close();
      }, wait);
    });
  }

  private forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.options.clock.clearTimeout(entry.timer);
    this.entries.delete(id);
  }
}
