/**
 * Runs one session to its end through the public HTTP + WebSocket API, exactly
 * as a reader's browser does: POST /api/sessions, then the socket with the
 * `sandbox.v1` subprotocol and the session token. Used by `check` and tests.
 */
import WebSocket from 'ws';
import {clientSubprotocols, parseServerMessage, type CreateSessionRequest, type EnvironmentRef} from '../../protocol/index.js';
import {createSession, environmentOf, sessionSocketUrl} from './create-session.js';
import {systemClock} from '../clock.js';
import type {RunResult} from './evaluate.js';
import {InputFeeder} from './input-feeder.js';

export interface TranscriptChunk {
  /** Milliseconds since the first output byte. */
  at: number;
  data: string;
}

export interface SessionRunOptions {
  /** Keystrokes sent once the program runs. */
  input?: string;
  /**
   * Type `input` one line at a time, each once the program has gone quiet, as
   * a reader answers a prompt (see InputFeeder), instead of all at once.
   */
  paceInput?: boolean;
  /** Give up (and close the socket) after this long. */
  deadlineMs: number;
  /** Origin header: the server allows its own origin by default, as for a page it serves. */
  origin?: string;
  /** Keep at most this many bytes of output (the rest still counts for the verdict's duration). */
  maxOutputBytes?: number;
  /** Record the output with its timing. */
  record?: boolean;
  /** Extra request headers (e.g. Authorization for the jwt auth mode). */
  headers?: Record<string, string>;
  /**
   * At the deadline, end the session (close 1000) instead of dropping the
   * socket: a dropped socket keeps the container for the reconnect grace.
   */
  endAtDeadline?: boolean;
}

export interface SessionRun extends RunResult {
  transcript?: TranscriptChunk[];
  truncated: boolean;
  /** A step of a page session: the environment the server ran it in (its answer's `environment`). */
  environment?: EnvironmentRef;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export async function runSession(serverUrl: string, body: CreateSessionRequest, options: SessionRunOptions): Promise<SessionRun> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const created = await createSession(serverUrl, body, options).catch((error: Error) => ({
    error: {code: 'unreachable', message: `cannot reach ${serverUrl}: ${error.message}`},
  }));
  if ('error' in created) return {output: '', error: created.error, durationMs: elapsed(), truncated: false};

  const {session} = created;
  const environment = environmentOf(session);
  const socketUrl = sessionSocketUrl(serverUrl, session);
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  let firstOutputAt: number | undefined;
  let lastOutputAt: number | undefined;
  let runningAt: number | undefined;
  const transcript: TranscriptChunk[] | undefined = options.record ? [] : undefined;
  const result: SessionRun = {output: '', durationMs: 0, truncated: false, ...(environment ? {environment} : {})};

  await new Promise<void>((resolve) => {
    const socket = new WebSocket(socketUrl, clientSubprotocols(session.token), {
      origin: options.origin ?? new URL(serverUrl).origin,
      headers: options.headers,
    });
    const deadline = setTimeout(() => {
      result.error ??= {code: 'deadline', message: `no exit within ${options.deadlineMs} ms`};
      if (options.endAtDeadline && socket.readyState === WebSocket.OPEN) socket.close(1000, 'deadline');
      else socket.terminate();
    }, options.deadlineMs);
    let inputSent = false;
    const feeder =
      options.paceInput && options.input
        ? new InputFeeder({
            keys: options.input,
            clock: systemClock,
            send: (keys) => {
              if (socket.readyState === WebSocket.OPEN) socket.send(Buffer.from(keys));
            },
          })
        : undefined;
    socket.on('error', (error) => {
      result.error ??= {code: 'socket', message: error.message};
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const chunk = data as Buffer;
        lastOutputAt = performance.now();
        firstOutputAt ??= lastOutputAt;
        feeder?.output();
        if (kept < maxOutput) {
          const part = chunk.subarray(0, maxOutput - kept);
          chunks.push(part);
          kept += part.length;
          transcript?.push({at: Math.round(performance.now() - firstOutputAt), data: part.toString('utf8')});
        } else {
          truncated = true;
        }
        return;
      }
      const message = parseServerMessage(data.toString());
      if (!message) return;
      if (message.type === 'status' && message.state === 'running') {
        runningAt ??= performance.now();
        if (feeder) feeder.start();
        else if (options.input && !inputSent) {
          inputSent = true;
          socket.send(Buffer.from(options.input));
        }
      } else if (message.type === 'exit') {
        result.exit = {code: message.code, reason: message.reason};
        result.silentForMs = Math.round(performance.now() - (lastOutputAt ?? runningAt ?? started));
        // Nothing is typed into a program that has ended.
        feeder?.[Symbol.dispose]();
      } else if (message.type === 'error') {
        result.error ??= {code: message.code, message: message.message};
      }
    });
    socket.on('close', () => {
      clearTimeout(deadline);
      feeder?.[Symbol.dispose]();
      resolve();
    });
  });

  result.output = Buffer.concat(chunks).toString('utf8');
  result.durationMs = elapsed();
  result.truncated = truncated;
  if (transcript) result.transcript = transcript;
  return result;
}

