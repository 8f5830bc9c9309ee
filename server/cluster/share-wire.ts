/**
 * What crosses Redis for a shared terminal whose viewer's socket reached
 * another gateway than the session's owner: the channel names and the frames
 * on them. One frame is one pub/sub message: a kind byte, then its body.
 *   share:join:<node>   the viewer's gateway → the owner: a join request (JSON)
 *   share:down:<viewer> the owner → the viewer's gateway: what the viewer's socket gets
 *   share:up:<viewer>   the viewer's gateway → the owner: the viewer's frames and its leave
 * A viewer's channels are named by a random id the viewer's gateway picks, so
 * only the two gateways involved listen on them.
 */
import {ERROR_CODES, type ErrorCode, type ShareMode, SHARE_MODES} from '../../protocol/index.js';

export const joinChannel = (prefix: string, node: string): string => `${prefix}share:join:${node}`;
export const downChannel = (prefix: string, viewer: string): string => `${prefix}share:down:${viewer}`;
export const upChannel = (prefix: string, viewer: string): string => `${prefix}share:up:${viewer}`;

/** A viewer's gateway asks the owner to admit a viewer. */
export interface JoinRequest {
  session: string;
  token: string;
  /** The viewer's channels' id. */
  viewer: string;
}

/** Owner → viewer's gateway. */
export type DownFrame =
  | {kind: 'accept'; mode: ShareMode; share: string}
  | {kind: 'refuse'; code: ErrorCode; message: string; retryAfter?: number | undefined}
  | {kind: 'binary'; data: Buffer}
  | {kind: 'text'; text: string}
  | {kind: 'close'; code: number; reason: string}
  | {kind: 'ping'};

/** Viewer's gateway → owner. */
export type UpFrame = {kind: 'binary'; data: Buffer} | {kind: 'text'; text: string} | {kind: 'leave'} | {kind: 'resync'} | {kind: 'ping'};

const TAG = {accept: 0x61, binary: 0x62, close: 0x63, leave: 0x6c, ping: 0x70, refuse: 0x72, resync: 0x73, text: 0x74} as const;
const VIEWER_ID = /^[A-Za-z0-9_-]{16,32}$/;

const tagged = (tag: number, body?: Buffer | string): Buffer => {
  const rest = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.of(tag), rest]);
};

export function encodeJoin(request: JoinRequest): Buffer {
  return Buffer.from(JSON.stringify(request), 'utf8');
}

/** A join request, or undefined for anything malformed (dropped: only gateways publish here). */
export function decodeJoin(frame: Buffer): JoinRequest | undefined {
  const value = parseObject(frame.toString('utf8'));
  if (!value) return undefined;
  const {session, token, viewer} = value;
  if (typeof session !== 'string' || typeof token !== 'string' || typeof viewer !== 'string') return undefined;
  if (session.length === 0 || session.length > 64 || token.length > 200 || !VIEWER_ID.test(viewer)) return undefined;
  return {session, token, viewer};
}

export function encodeDown(frame: DownFrame): Buffer {
  switch (frame.kind) {
    case 'accept':
      return tagged(TAG.accept, JSON.stringify({mode: frame.mode, share: frame.share}));
    case 'refuse':
      return tagged(TAG.refuse, JSON.stringify({code: frame.code, message: frame.message, ...(frame.retryAfter === undefined ? {} : {retryAfter: frame.retryAfter})}));
    case 'binary':
      return tagged(TAG.binary, frame.data);
    case 'text':
      return tagged(TAG.text, frame.text);
    case 'close':
      return tagged(TAG.close, JSON.stringify({code: frame.code, reason: frame.reason}));
    case 'ping':
      return tagged(TAG.ping);
  }
}

export function decodeDown(frame: Buffer): DownFrame | undefined {
  if (frame.length === 0) return undefined;
  const body = frame.subarray(1);
  switch (frame[0]) {
    case TAG.binary:
      return {kind: 'binary', data: body};
    case TAG.text:
      return {kind: 'text', text: body.toString('utf8')};
    case TAG.ping:
      return body.length === 0 ? {kind: 'ping'} : undefined;
    case TAG.accept: {
      const value = parseObject(body.toString('utf8'));
      const mode = SHARE_MODES.find((candidate) => candidate === value?.mode);
      return mode && typeof value?.share === 'string' ? {kind: 'accept', mode, share: value.share} : undefined;
    }
    case TAG.refuse: {
      const value = parseObject(body.toString('utf8'));
      const code = ERROR_CODES.find((candidate) => candidate === value?.code);
      if (!code || typeof value?.message !== 'string') return undefined;
      const retryAfter = typeof value.retryAfter === 'number' ? value.retryAfter : undefined;
      return {kind: 'refuse', code, message: value.message, ...(retryAfter === undefined ? {} : {retryAfter})};
    }
    case TAG.close: {
      const value = parseObject(body.toString('utf8'));
      const code = value?.code;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 1000 || code > 4999 || typeof value?.reason !== 'string') return undefined;
      return {kind: 'close', code, reason: value.reason};
    }
    default:
      return undefined;
  }
}

export function encodeUp(frame: UpFrame): Buffer {
  switch (frame.kind) {
    case 'binary':
      return tagged(TAG.binary, frame.data);
    case 'text':
      return tagged(TAG.text, frame.text);
    case 'leave':
      return tagged(TAG.leave);
    case 'resync':
      return tagged(TAG.resync);
    case 'ping':
      return tagged(TAG.ping);
  }
}

export function decodeUp(frame: Buffer): UpFrame | undefined {
  if (frame.length === 0) return undefined;
  const body = frame.subarray(1);
  switch (frame[0]) {
    case TAG.binary:
      return {kind: 'binary', data: body};
    case TAG.text:
      return {kind: 'text', text: body.toString('utf8')};
    case TAG.leave:
      return body.length === 0 ? {kind: 'leave'} : undefined;
    case TAG.resync:
      return body.length === 0 ? {kind: 'resync'} : undefined;
    case TAG.ping:
      return body.length === 0 ? {kind: 'ping'} : undefined;
    default:
      return undefined;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
