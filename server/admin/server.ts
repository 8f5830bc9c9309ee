/**
 * The admin listener: `/metrics` (Prometheus text) and the admin API, on their
 * own address (loopback by default) so they are never reachable where the
 * public API is; a bearer token is required when one is set, and always when
 * the listener is bound beyond loopback.
 *
 * - `GET /metrics`
 * - `GET /admin/sessions` → `{sessions: SessionSummary[]}`
 * - `DELETE /admin/sessions/:id` → 204 (the session ends with reason `killed`)
 * - `GET /admin/memory[?gc=1]` → `process.memoryUsage()` (after a GC when the
 *   process runs with --expose-gc), for the soak test's memory curve
 */
import {timingSafeEqual} from 'node:crypto';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {SandboxMetrics} from '../metrics.js';
import type {SessionTracker} from './metering.js';

export interface AdminOptions {
  /** 0 = any free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Bearer token; required when `host` is not a loopback address. */
  token?: string | undefined;
}

export interface AdminServer {
  listen(): Promise<string>;
  close(): Promise<void>;
}

export class AdminConfigError extends Error {
  readonly code = 'admin-config';
  override readonly name = 'AdminConfigError';
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)});
  response.end(text);
}

const errorBody = (code: string, message: string) => ({error: {code, message}});

/** GC is only reachable when node runs with --expose-gc. */
const collectGarbage = (): boolean => {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (!gc) return false;
  gc();
  return true;
};

export function createAdminServer(options: AdminOptions & {metrics: SandboxMetrics; tracker: SessionTracker}): AdminServer {
  const host = options.host ?? '127.0.0.1';
  if (!options.token && !isLoopback(host)) {
    throw new AdminConfigError(`the admin listener on ${host} is reachable beyond this machine: set an admin token (--admin-token or SANDBOX_ADMIN_TOKEN)`);
  }
  const {metrics, tracker} = options;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (options.token && !tokenMatches(request.headers.authorization, options.token)) {
      response.setHeader('www-authenticate', 'Bearer');
      json(response, 401, errorBody('unauthorized', 'a valid admin bearer token is required'));
      return;
    }
    const url = new URL(request.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (request.method === 'GET' && path === '/metrics') {
      tracker.refresh();
      const text = await metrics.registry.metrics();
      response.writeHead(200, {'content-type': metrics.registry.contentType});
      response.end(text);
      return;
    }
    if (request.method === 'GET' && path === '/admin/sessions') {
      json(response, 200, {sessions: tracker.list()});
      return;
    }
    const one = /^\/admin\/sessions\/([A-Za-z0-9_-]{1,64})$/.exec(path);
    if (one && request.method === 'DELETE') {
      const entry = tracker.get(one[1]!);
      if (!entry || entry.session.state === 'ended') {
        json(response, 404, errorBody('session-not-found', 'no running session with this id'));
        return;
      }
      entry.session.terminate('killed');
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'GET' && path === '/admin/memory') {
      const collected = url.searchParams.get('gc') === '1' && collectGarbage();
      json(response, 200, {gc: collected, ...process.memoryUsage(), activeSessions: tracker.list().length});
      return;
    }
    json(response, 404, errorBody('not-found', 'no admin endpoint here'));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, errorBody('internal', String(error)));
      else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  let closed: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
