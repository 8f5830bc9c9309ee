/** A Session over a scripted runtime and a manual clock, for the session tests. */
import assert from 'node:assert/strict';
import {DEFAULT_LIMITS, BUNDLED_ENVIRONMENTS} from '../../../config/index.js';
import {OutputRate} from '../../stream/rate.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {LogFunction} from '../../log.js';
import {Session, type SessionTimeouts} from '../session.js';
import {FakePeer} from './fake-peer.js';
import {FakeRuntime, type FakeContainer} from './fake-runtime.js';

export const tick = () => new Promise((resolve) => setImmediate(resolve));

export interface SetupOptions {
  timeouts?: Partial<SessionTimeouts>;
  outputLimit?: number;
  outputRate?: number;
  interactive?: boolean;
  messagesPerSecond?: number;
  runtime?: FakeRuntime;
  log?: LogFunction;
}

export function setup(options: SetupOptions = {}) {
  const clock = new ManualClock();
  const runtime = options.runtime ?? new FakeRuntime();
  const events: string[] = [];
  const session = new Session({
    id: 'abc',
    spec: {
      sessionId: 'abc',
      envName: 'shell',
      env: {...BUNDLED_ENVIRONMENTS.shell!, network: false, poolSize: 0, limits: DEFAULT_LIMITS},
      files: [],
      cmd: 'true',
      interactive: options.interactive ?? false,
      cols: 80,
      rows: 24,
    },
    runtime,
    clock,
    timeouts: {run: 10_000, idle: 5_000, lifetime: 60_000, reconnectGrace: 3_000, firstConnect: 3_000, ...options.timeouts},
    outputLimit: options.outputLimit ?? 1_000_000,
    outputRate: options.outputRate ? new OutputRate(options.outputRate, clock) : undefined,
    highWaterMark: 1000,
    lowWaterMark: 100,
    messagesPerSecond: options.messagesPerSecond ?? 100,
    onEnded: () => events.push('ended'),
    onGone: () => events.push('gone'),
    ...(options.log ? {log: options.log} : {}),
  });
  return {clock, runtime, session, events, container: () => runtime.containers[0] as FakeContainer};
}

/** A running session with a socket attached before the start. */
export async function running(timeouts: Partial<SessionTimeouts> = {}) {
  const context = setup({timeouts});
  const peer = new FakePeer();
  context.session.attach(peer);
  await context.session.start();
  return {...context, peer};
}

export const resumeTokenOf = (peer: FakePeer): string => {
  const message = peer.control.findLast((item) => item.type === 'resume-token');
  assert.ok(message && message.type === 'resume-token', 'a resume token was sent');
  return message.token;
};
