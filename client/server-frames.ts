/**
 * What arrives on the session's socket, decoded and handed out one event per
 * frame: binary frames are terminal output, text frames are JSON control
 * messages. Frames of other kinds and messages the client does not know are
 * ignored (a newer server may send more).
 */
import {ERROR_CODES, parseServerMessage, type CaughtUpStep, type ErrorCode, type ExitReason} from '../protocol/index.js';

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

export interface ServerEvents {
  output(bytes: Uint8Array): void;
  /** The server says the program runs. */
  running(): void;
  exit(code: number, reason: ExitReason): void;
  /** How the session failed; the close that follows carries the decision. A code the client does not know is `internal`. */
  error(code: ErrorCode): void;
  resumeToken(token: string): void;
  /** The output that follows starts at `from`; `truncated`: what was missed is gone, restart the screen. */
  replay(from: number, truncated: boolean): void;
  /** A page session's step started with catch-up: the earlier steps that ran first (sent again on every attach). */
  catchUp(steps: CaughtUpStep[]): void;
  /** Who watches a shared session (to the owner and every viewer). */
  presence?(viewers: number, controllers: number): void;
  /** To a viewer: the owner resized the terminal. */
  resize?(cols: number, rows: number): void;
  /** To a viewer: clear the screen and size it; the next output is the current screen. */
  snapshot?(cols: number, rows: number): void;
}

/** Decodes one frame's data and calls the matching event, if any. */
export function dispatchServerFrame(data: unknown, events: ServerEvents): void {
  if (data instanceof ArrayBuffer) {
    events.output(new Uint8Array(data));
    return;
  }
  if (ArrayBuffer.isView(data)) {
    events.output(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  if (typeof data !== 'string') return;
  const message = parseServerMessage(data);
  if (!message) return;
  switch (message.type) {
    case 'status':
      if (message.state === 'running') events.running();
      break;
    case 'exit':
      events.exit(message.code, message.reason);
      break;
    case 'error':
      events.error(isErrorCode(message.code) ? message.code : 'internal');
      break;
    case 'resume-token':
      events.resumeToken(message.token);
      break;
    case 'replay':
      events.replay(message.from, message.truncated);
      break;
    case 'catch-up':
      events.catchUp(message.steps);
      break;
    case 'presence':
      events.presence?.(message.viewers, message.controllers);
      break;
    case 'resize':
      events.resize?.(message.cols, message.rows);
      break;
    case 'snapshot':
      events.snapshot?.(message.cols, message.rows);
      break;
  }
}
