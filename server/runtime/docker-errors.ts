/**
 * Docker's quirks, handled in one place: which HTTP answers of the engine mean
 * "already done" (304 not modified, 404 gone, 409 conflict/in progress) and how
 * engine and socket failures become SandboxErrors with stable codes. Nothing
 * else in the runtime inspects dockerode's error shapes.
 */
import {SandboxError} from '../errors.js';

/** The HTTP status of a dockerode error, if the engine answered. */
export function engineStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as {statusCode?: unknown}).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own message (dockerode keeps it in `json.message`). */
function engineMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const json = (error as {json?: unknown}).json;
    if (typeof json === 'object' && json !== null && typeof (json as {message?: unknown}).message === 'string') {
      return (json as {message: string}).message;
    }
    if (error instanceof Error) return error.message;
  }
  return String(error);
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The engine could not be reached at all (socket missing, refused, reset). */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as {code?: unknown}).code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/**
 * An operation whose target is already in the wanted state: removing a gone
 * container (404), one whose removal is in progress (409), killing or
 * resizing one that is not running (409, or 500 "is not running"), starting a
 * started one (304).
 */
export function isAlreadyDone(error: unknown): boolean {
  const status = engineStatus(error);
  if (status === 304 || status === 404 || status === 409) return true;
  return status === 500 && /is not running|cannot resize a stopped container|no such (container|process)/i.test(engineMessage(error));
}

export const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/**
 * Maps a failure of the engine to a SandboxError. `image` names the image a
 * create was for, so "No such image" reads as the fix it needs.
 */
export function toSandboxError(error: unknown, context: {operation: string; image?: string}): SandboxError {
  if (error instanceof SandboxError) return error;
  const status = engineStatus(error);
  if (status === 404 && context.image !== undefined && /no such image/i.test(engineMessage(error))) {
    return new SandboxError(
      'image-missing',
      `image ${context.image} is not present on the Docker engine; run \`docusaurus-sandbox images build\` or pull it`,
      {cause: error},
    );
  }
  if (isUnreachable(error) || status === undefined) {
    const what = isAbort(error) ? 'timed out' : 'failed: the Docker engine is not reachable';
    return new SandboxError('docker-unavailable', `${context.operation} ${what} (${engineMessage(error)})`, {cause: error});
  }
  if (status >= 500) {
    return new SandboxError('docker-unavailable', `${context.operation} failed: ${engineMessage(error)}`, {cause: error});
  }
  return new SandboxError('internal', `${context.operation} failed (HTTP ${status}): ${engineMessage(error)}`, {cause: error});
}
