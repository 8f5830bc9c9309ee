/**
 * WebSocket upgrade: authentication happens here, on the raw HTTP upgrade,
 * before any WebSocket exists (`noServer`). A refused upgrade gets a plain
 * HTTP response with the usual JSON error body and the socket is closed.
 */
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocket, type WebSocketServer} from 'ws';
import {parseResumeOffer, parseShareOffer, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX} from '../../protocol/index.js';
import {SandboxError, toClientError} from '../errors.js';
import type {LogFunction} from '../log.js';
import type {Session, SessionPeer} from '../sessions/session.js';
import type {ViewerHandle} from '../sessions/shares.js';
import type {ViewerTicket} from '../sessions/share-registry.js';
import type {RemoteViewer} from '../cluster/remote-viewer.js';
import {ROOT_BASE_PATHS, routeUnderBase, underNode, type BasePaths} from './base-path.js';
import {originAllowed, type OriginPolicy} from './origin.js';

const SOCKET_PATH = /^\/api\/sessions\/([A-Za-z0-9_-]{1,64})\/ws$/;

/** Frame counts of one session's socket (the metrics); `server/admin/metering.ts` implements it. */
export interface SocketMeter {
  received(bytes: number): void;
  /** After each send; `bytes` is 0 for a control (text) message. */
  sent(bytes: number, bufferedAmount: number): void;
}

/**
 * Everything the upgrade handler needs, made once per server: every session
 * socket keeps a reference to it, so nothing per request belongs here.
 */
export interface UpgradeContext {
  wss: WebSocketServer;
  originPolicy: OriginPolicy;
  trustProxy: boolean;
  findSession: (id: string) => Session | undefined;
  verifyToken: (token: string, sessionId: string) => boolean;
  /** The share a viewer's token opens (throws `unauthorized` or `too-many-viewers`); none: no shares on this server. */
  admitViewer?: ((sessionId: string, token: string) => ViewerTicket) | undefined;
  /**
   * A viewer of a session another gateway of the cluster holds (throws like
   * admitViewer, or `node-unreachable`); none: no cluster, such a viewer is
   * `unauthorized` as for any unknown session.
   */
  remoteViewer?: ((sessionId: string, token: string) => Promise<RemoteViewer>) | undefined;
  closing: () => boolean;
  /**
   * Called for each accepted socket (heartbeat bookkeeping, the log). The
   * request is only valid during the call: keeping it would hold its headers
   * for the whole session.
   */
  onSocket: (socket: WebSocket, sessionId: string, request: IncomingMessage) => void;
  /** The meter for a session's socket; none: nothing is counted. */
  meter?: ((sessionId: string) => SocketMeter) | undefined;
  /** Called with the client-facing code of each refused upgrade. */
  onRefused?: ((code: string) => void) | undefined;
  /** The socket path is also served under these bases (`<baseUrl>api/sessions/ID/ws`); default '/' only. */
  basePaths?: (() => BasePaths) | undefined;
  /** This gateway's `server.node`: `/api/nodes/<it>/sessions/ID/ws` is served too. */
  node?: string | undefined;
  log: LogFunction;
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
  429: 'Too Many Requests',
  426: 'Upgrade Required',
  503: 'Service Unavailable',
};

/** Answers a refused upgrade with the JSON error and closes; returns the client-facing code. */
export function refuseUpgrade(socket: Duplex, error: SandboxError): string {
  const clientError = toClientError(error);
  if (!socket.writable) {
    socket.destroy();
    return clientError.code;
  }
  const body = JSON.stringify({error: clientError});
  const status = error.httpStatus;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  return clientError.code;
}

/** Who an accepted upgrade is: the session's owner, a viewer through a share, or a viewer of a session on another node. */
export type UpgradeGrant = {session: Session; viewer?: ViewerTicket | undefined} | {remote: {sessionId: string; token: string}};

/** Decides whether an upgrade may proceed; returns who it is for or throws a SandboxError. */
export function authorizeUpgrade(request: IncomingMessage, context: UpgradeContext): UpgradeGrant {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  const route = routeUnderBase(url.pathname, context.basePaths?.() ?? ROOT_BASE_PATHS);
  const owned = route.kind === 'api' ? underNode(route.path, context.node) : undefined;
  const match = owned && 'path' in owned ? SOCKET_PATH.exec(owned.path) : null;
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
  // A viewer offers its share's token; it never opens the owner's socket (nor the other way round).
  const shareToken = parseShareOffer(protocols);
  if (shareToken !== undefined) {
    const session = context.findSession(sessionId);
    // Not here: in a cluster its owner may be another node (the share link's socket path names none).
    if (!session && context.remoteViewer) return {remote: {sessionId, token: shareToken}};
    if (!session || !context.admitViewer) throw new SandboxError('unauthorized', 'a valid share token is required');
    return {session, viewer: context.admitViewer(sessionId, shareToken)};
  }
  // A reconnect offers the session's in-band resume credential instead.
  const resumeToken = parseResumeOffer(protocols).token;
  if (resumeToken !== undefined) {
    const session = context.findSession(sessionId);
    if (!session?.acceptsResume(resumeToken)) throw new SandboxError('unauthorized', 'a valid session token is required');
    return {session};
  }
  const token = findToken(protocols, url.searchParams);
  // One answer for a missing, bad, expired or foreign token and for an unknown
  // session: the client learns nothing about which sessions exist.
  if (!token || !context.verifyToken(token, sessionId)) {
    throw new SandboxError('unauthorized', 'a valid session token is required');
  }
  const session = context.findSession(sessionId);
  if (!session) throw new SandboxError('unauthorized', 'a valid session token is required');
  return {session};
}

export function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, context: UpgradeContext): void {
  // Errors on the raw socket before the upgrade (a reset peer) must not crash the process.
  socket.on('error', destroyOnError);
  let grant: UpgradeGrant;
  try {
    grant = authorizeUpgrade(request, context);
  } catch (error) {
    const code = refuseUpgrade(socket, error instanceof SandboxError ? error : new SandboxError('internal', 'upgrade failed', {cause: error}));
    context.onRefused?.(code);
    return;
  }
  if ('remote' in grant) {
    upgradeRemoteViewer(request, socket, head, grant.remote, context);
    return;
  }
  const {session, viewer} = grant;
  const {offset} = parseResumeOffer(offeredProtocols(request.headers['sec-websocket-protocol']));
  context.wss.handleUpgrade(request, socket, head, (ws, upgraded) => {
    // ws has its own 'error' handling from here on (see connect()).
    socket.off('error', destroyOnError);
    context.onSocket(ws, session.id, upgraded);
    if (viewer) connectViewer(ws, session.id, viewer, context);
    else connect(ws, session, context, offset);
  });
}

/** The upgrade waits for the owner's answer over Redis; a refusal is the same HTTP answer as on the owner's gateway. */
function upgradeRemoteViewer(request: IncomingMessage, socket: Duplex, head: Buffer, remote: {sessionId: string; token: string}, context: UpgradeContext): void {
  context.remoteViewer!(remote.sessionId, remote.token).then(
    (viewer) => {
      // The reader gave up while the owner answered: the owner must not keep a viewer for it.
      if (socket.destroyed || !socket.writable || context.closing()) {
        viewer.leave();
        socket.destroy();
        return;
      }
      context.wss.handleUpgrade(request, socket, head, (ws, upgraded) => {
        socket.off('error', destroyOnError);
        context.onSocket(ws, remote.sessionId, upgraded);
        connectViewer(ws, remote.sessionId, {share: {id: viewer.viewer}, join: (peer) => viewer.attach(peer)}, context);
      });
    },
    (error: unknown) => {
      const code = refuseUpgrade(socket, error instanceof SandboxError ? error : new SandboxError('internal', 'upgrade failed', {cause: error}));
      context.onRefused?.(code);
    },
  );
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * The session's view of one accepted socket. A class rather than an object
 * literal: the accessors and methods live once on the prototype instead of as
 * six closures per session (an object literal with getters also takes a
 * dictionary of its own; the two measured ~0.8 KB per session with the server bench).
 */
class WebSocketPeer implements SessionPeer {
  constructor(
    private readonly ws: WebSocket,
    private readonly meter: SocketMeter | undefined,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: Buffer | string): void {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(data);
    this.meter?.sent(typeof data === 'string' ? 0 : data.length, ws.bufferedAmount);
  }

  close(code: number, reason: string): void {
    const ws = this.ws;
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason.slice(0, 120));
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

/** Wires one accepted socket to its session. */
function connect(ws: WebSocket, session: Session, context: UpgradeContext, offset: number | undefined): void {
  const meter = context.meter?.(session.id);
  const peer = new WebSocketPeer(ws, meter);
  // ws emits an oversized frame (over maxPayload) as an 'error' on the socket:
  // without a listener that is an unhandled error and kills the whole process;
  // with one the peer just gets close 1009 and only this socket closes.
  ws.on('error', (error) => {
    context.log('info', 'socket error', {session: session.id, error: error.message});
  });
  ws.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) meter?.received(buffer.length);
    session.receive(buffer, isBinary, peer);
  });
  // The code tells a deliberate close (1000: end now) from a drop (resume grace).
  ws.on('close', (code) => session.detach(peer, code));
  session.attach(peer, {offset});
}

/** Wires one viewer's socket to its share: its frames are judged by the share's mode (viewer-input.ts). */
function connectViewer(
  ws: WebSocket,
  sessionId: string,
  ticket: {share: {id: string}; join: (peer: SessionPeer) => Pick<ViewerHandle, 'receive' | 'leave'>},
  context: UpgradeContext,
): void {
  // Not metered as the session's socket: its bytes are counted by the share's own metrics.
  const peer = new WebSocketPeer(ws, undefined);
  ws.on('error', (error) => {
    context.log('info', 'viewer socket error', {session: sessionId, share: ticket.share.id, error: error.message});
  });
  // Joined and listened to in one synchronous step: no frame can arrive in between.
  const handle = ticket.join(peer);
  ws.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    handle.receive(buffer, isBinary);
  });
  ws.on('close', () => handle.leave());
}
