/**
 * WebSocket upgrade: authentication happens here, on the raw HTTP upgrade,
 * before any WebSocket exists (`noServer`). A refused upgrade gets a plain
 * HTTP response with the usual JSON error body and the socket is closed.
 */
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocket, type WebSocketServer} from 'ws';
import {parseResumeOffer, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX} from '../../protocol/index.js';
import {SandboxError, toClientError} from '../errors.js';
import type {Session, SessionPeer} from '../sessions/session.js';
import {originAllowed, type OriginPolicy} from './origin.js';

const SOCKET_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/ws$/;

export interface UpgradeContext {
  wss: WebSocketServer;
  originPolicy: OriginPolicy;
  trustProxy: boolean;
  findSession: (id: string) => Session | undefined;
  verifyToken: (token: string, sessionId: string) => boolean;
  closing: () => boolean;
  /** Called for each accepted socket (heartbeat bookkeeping). */
  onSocket: (socket: WebSocket) => void;
  log: (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;
}

/** Offered subprotocols from the header (comma-separated, trimmed). */
export function offeredProtocols(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The token: from the subprotocol list first, `?token=` second. */
export function findToken(protocols: readonly string[], search: URLSearchParams): string | undefined {
  const offered = protocols.find((protocol) => protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (offered) return offered.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  return search.get('token') ?? undefined;
}

/** `ws` handleProtocols: only `sandbox.v1` is ever selected (never the token). */
export const selectProtocol = (protocols: Set<string>): string | false => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false);

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  503: 'Service Unavailable',
};

export function refuseUpgrade(socket: Duplex, error: SandboxError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({error: toClientError(error)});
  const status = error.httpStatus;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}

/** Decides whether an upgrade may proceed; returns the session or throws a SandboxError. */
export function authorizeUpgrade(request: IncomingMessage, context: UpgradeContext): Session {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  const match = SOCKET_PATH.exec(url.pathname);
  if (!match) throw new SandboxError('not-found', 'no WebSocket endpoint at this path');
  if (context.closing()) throw new SandboxError('at-capacity', 'the server is shutting down', {expose: true});
  const forwardedProto = context.trustProxy ? request.headers['x-forwarded-proto'] : undefined;
  const secure = forwardedProto === 'https' || Boolean((request.socket as {encrypted?: boolean}).encrypted);
  if (!originAllowed(request.headers.origin, {host: request.headers.host, secure}, context.originPolicy)) {
    throw new SandboxError('origin-not-allowed', 'connections from this origin are not allowed');
  }
  const protocols = offeredProtocols(request.headers['sec-websocket-protocol']);
  if (!protocols.includes(SUBPROTOCOL)) {
    throw new SandboxError('bad-request', `offer the "${SUBPROTOCOL}" subprotocol`);
  }
  const sessionId = match[1]!;
  // A reconnect offers the session's in-band resume credential instead (issue 7).
  const resumeToken = parseResumeOffer(protocols).token;
  if (resumeToken !== undefined) {
    const session = context.findSession(sessionId);
    if (!session?.acceptsResume(resumeToken)) throw new SandboxError('unauthorized', 'a valid session token is required');
    return session;
  }
  const token = findToken(protocols, url.searchParams);
  // One answer for a missing, bad, expired or foreign token and for an unknown
  // session: the client learns nothing about which sessions exist.
  if (!token || !context.verifyToken(token, sessionId)) {
    throw new SandboxError('unauthorized', 'a valid session token is required');
  }
  const session = context.findSession(sessionId);
  if (!session) throw new SandboxError('unauthorized', 'a valid session token is required');
  return session;
}

export function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, context: UpgradeContext): void {
  // Errors on the raw socket before the upgrade (a reset peer) must not crash the process.
  socket.on('error', () => socket.destroy());
  let session: Session;
  try {
    session = authorizeUpgrade(request, context);
  } catch (error) {
    refuseUpgrade(socket, error instanceof SandboxError ? error : new SandboxError('internal', 'upgrade failed', {cause: error}));
    return;
  }
  const {offset} = parseResumeOffer(offeredProtocols(request.headers['sec-websocket-protocol']));
  context.wss.handleUpgrade(request, socket, head, (ws) => {
    context.onSocket(ws);
    connect(ws, session, context, offset);
  });
}

/** Wires one accepted socket to its session. */
function connect(ws: WebSocket, session: Session, context: UpgradeContext, offset: number | undefined): void {
  const peer: SessionPeer = {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: (code, reason) => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason.slice(0, 120));
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
  // Without an 'error' listener one frame over maxPayload kills the process;
  // with it the peer gets 1009 and only this socket closes (shared FACTS).
  ws.on('error', (error) => {
    context.log('info', 'socket error', {session: session.id, error: error.message});
  });
  ws.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    session.receive(buffer, isBinary, peer);
  });
  // The code tells a deliberate close (1000: end now) from a drop (resume grace).
  ws.on('close', (code) => session.detach(peer, code));
  session.attach(peer, {offset});
}
