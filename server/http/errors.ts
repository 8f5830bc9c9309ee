/**
 * Where errors become HTTP responses: the one error handler (every route
 * throws or calls `next(error)`), the JSON error body with Retry-After, and
 * the 404s. Internals are masked by `toClientError`.
 */
import type {ErrorRequestHandler, RequestHandler, Response} from 'express';
import type {ErrorBody} from '../../protocol/index.js';
import {httpStatusOf, isSandboxError, SandboxError, toClientError} from '../errors.js';
import type {LogFunction} from '../log.js';

export function sendError(response: Response, error: unknown): void {
  const body: ErrorBody = {error: toClientError(error)};
  if (isSandboxError(error) && error.retryAfter !== undefined) response.set('Retry-After', String(error.retryAfter));
  response.status(httpStatusOf(error)).json(body);
}

/** Answers every request it sees with a `not-found` error carrying `message`. */
export const notFound =
  (message: string): RequestHandler =>
  (_request, _response, next) =>
    next(new SandboxError('not-found', message));

/** Express error handler (four arguments): the one place errors become responses. */
export function errorHandler(log: LogFunction): ErrorRequestHandler {
  return (error: unknown, _request, response, _next) => {
    const mapped = fromBodyParserError(error);
    if (!isSandboxError(mapped)) log('error', 'request failed', {error: String(error)});
    if (response.headersSent) return;
    sendError(response, mapped);
  };
}

/** body-parser errors carry `type` and `status`; give them our codes. */
export function fromBodyParserError(error: unknown): unknown {
  if (isSandboxError(error) || typeof error !== 'object' || error === null) return error;
  const type = (error as {type?: unknown}).type;
  if (type === 'entity.too.large') return new SandboxError('too-large', 'the request body is too large (server.bodyLimit)');
  if (type === 'entity.parse.failed') return new SandboxError('bad-request', 'the request body is not valid JSON');
  if (typeof type === 'string' && (error as {status?: unknown}).status === 400) {
    return new SandboxError('bad-request', 'the request body could not be read');
  }
  return error;
}
