/**
 * The phases of a session and which step from one to another is legal: the
 * table `Session` checks every change against, kept apart from the class so it
 * can be read (and tested) as a whole.
 *
 * Live phases (a container is wanted):
 * - `starting`: the container start is in flight.
 * - `running`: the container runs and its output flows.
 * - `exiting`: its output is over (the stream ended, or we killed it and let
 *   the rest flow into nothing); waiting for the engine to report the exit.
 * - `draining`: the engine reported the exit; the output still flows to the
 *   socket, and `exit` is sent once it has.
 *
 * End phases (the slot is free, the container is being removed):
 * - `ended`: the result (`exit` or `error`) is kept for a socket that arrives
 *   late, for the reconnect grace.
 * - `expired`: no socket came back within the grace; a late resume is told
 *   "expired" for EXPIRED_KEEP_MS.
 * - `stopping`: server shutdown; waiting for the container's removal.
 * - `gone`: nothing is kept; the owner drops the session.
 *
 * A socket that dropped and may come back is not a phase of its own: the
 * container goes on starting, running or draining meanwhile, so "no socket,
 * within the reconnect grace" is a live phase with the `reconnect-grace` timer
 * armed.
 */

import type {ContainerExit, ContainerSpec} from '../runtime/types.js';
import type {FinalWords} from './outcome.js';

/** The state others read (server/http, server/admin): the phases folded into three. */
export type SessionState = 'starting' | 'running' | 'ended';

export const PHASE_NAMES = ['starting', 'running', 'exiting', 'draining', 'ended', 'expired', 'stopping', 'gone'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** A phase with what it alone holds. */
export type Phase =
  /** `spec` (the seed files can be large) and `abort` are dropped once the start has settled. */
  | {name: 'starting'; spec: ContainerSpec; abort: AbortController}
  | {name: 'running'}
  | {name: 'exiting'}
  | {name: 'draining'; exit: ContainerExit}
  | {name: 'ended'; final: FinalWords}
  | {name: 'expired'}
  | {name: 'stopping'}
  | {name: 'gone'};

/** The phases in which the session still wants its container. */
export const LIVE_PHASES: readonly PhaseName[] = ['starting', 'running', 'exiting', 'draining'];

/** For each phase, the phases it may move to. */
export const TRANSITIONS: Readonly<Record<PhaseName, readonly PhaseName[]>> = {
  // started; the start failed or was cut short; nobody connected; shutdown
  starting: ['running', 'ended', 'expired', 'stopping'],
  // output over first; exit reported first; waiting for the exit failed; nobody came back; shutdown
  running: ['exiting', 'draining', 'ended', 'expired', 'stopping'],
  exiting: ['ended', 'expired', 'stopping'],
  draining: ['ended', 'expired', 'stopping'],
  // the late-socket keep ran out, or shutdown
  ended: ['gone'],
  expired: ['gone'],
  stopping: ['gone'],
  gone: [],
};

export function isLive(phase: PhaseName): boolean {
  return LIVE_PHASES.includes(phase);
}

export function isLegalTransition(from: PhaseName, to: PhaseName): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A step the table does not allow: a bug in Session, never a client's doing. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'illegal-transition';

  constructor(
    readonly from: PhaseName,
    readonly to: PhaseName,
  ) {
    super(`a session cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: PhaseName, to: PhaseName): void {
  if (!isLegalTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function publicStateOf(phase: PhaseName): SessionState {
  if (phase === 'starting') return 'starting';
  return isLive(phase) ? 'running' : 'ended';
}

/** Every timer a session sets, named by what it is for. */
export type TimerPurpose =
  | 'lifetime'
  | 'first-connect'
  | 'reconnect-grace'
  | 'run-timeout'
  | 'idle'
  | 'drain-fallback'
  | 'late-socket'
  | 'expired-keep';

/** The phases in which each timer may stay armed; leaving them clears it. */
export const TIMER_OWNERS: Readonly<Record<TimerPurpose, readonly PhaseName[]>> = {
  lifetime: LIVE_PHASES,
  'first-connect': LIVE_PHASES,
  'reconnect-grace': LIVE_PHASES,
  'run-timeout': ['running', 'exiting', 'draining'],
  idle: ['running', 'exiting', 'draining'],
  'drain-fallback': ['draining'],
  'late-socket': ['ended'],
  'expired-keep': ['expired'],
};
