/**
 * The public port's HTTP server with its limits: header and request timeouts
 * that are enforced within a second, a cap on parsed headers, and a short
 * plain answer to a request Node's parser refused.
 */
import {createServer, type RequestListener, type Server} from 'node:http';
import type {ServerConfig} from '../../config/index.js';

/**
 * Node checks header and request timeouts only every
 * connectionsCheckingInterval (default 30 s): a slow client would hold its
 * connection up to 30 s past headersTimeout. Every second instead.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/** The raw HTTP answer to a request the parser refused: 408 for a timeout, 400 otherwise. */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`;
}

export function createHttpServer(limits: Pick<ServerConfig, 'headersTimeout' | 'maxHeadersCount'>, listener: RequestListener): Server {
  const server = createServer(
    {
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.headersTimeout * 3,
    },
    listener,
  );
  // Node parses at most this many headers and drops the rest (default 2000).
  server.maxHeadersCount = limits.maxHeadersCount;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
  });
  return server;
}
