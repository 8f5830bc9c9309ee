/**
 * Tells a container the engine stopped on its own way down from a program
 * that ended, so the first is reported as a lost sandbox and not as an exit.
 *
 * What Docker 20.10 does on SIGTERM (measured with a private dockerd, see
 * test/integration/ops-faults.test.ts): it first closes its API listeners
 * (a unix socket file is unlinked; a socket-activated one stays with systemd,
 * which queues connections nobody accepts), then stops every container with
 * its stop signal (its `die` event says 143, or 137 after StopTimeout),
 * and only then exits. Connections already open are served until the process
 * ends, so an inspect over dockerode's kept-alive socket still succeeds, and
 * the events (kill signal=15, die exitCode=143, stop) are exactly those of
 * `docker stop`. What differs is that a *new* connection is refused or never
 * answered: the listener closes before the first container is stopped, so
 * asking after the exit is reported is an ordering, not a race.
 */
import http from 'node:http';
import https from 'node:https';
import type Dockerode from 'dockerode';
import {engineStatus, isUnreachable} from './docker-errors.js';

/**
 * How long a new connection may stay unanswered before the engine counts as
 * gone. A healthy engine answers /_ping in milliseconds; a socket-activated
 * one going down leaves the connection queued until a new daemon has started.
 */
export const ENGINE_PROBE_TIMEOUT_MS = 1_000;

/**
 * `answering`: a new connection got an HTTP answer. `unreachable`: it was
 * refused or the socket is gone. `silent`: accepted by the kernel but not
 * answered in time. `unknown`: the transport cannot be probed (ssh) or failed
 * in a way that says nothing about the engine.
 */
export type EngineReachability = 'answering' | 'unreachable' | 'silent' | 'unknown';

/** Asks, over a connection of its own, whether the engine still serves its API. */
export type EngineProbe = (timeoutMs: number) => Promise<EngineReachability>;

/**
 * 128 + SIGTERM (the engine's stop signal) and 128 + SIGKILL (what follows
 * once StopTimeout passes). A program that handles SIGTERM may end otherwise;
 * that exit is reported as it is.
 */
const ENGINE_STOP_EXIT_CODES: ReadonlySet<number> = new Set([128 + 15, 128 + 9]);

/**
 * Whether an exit needs the probe: only a stop-signal exit this server did not
 * ask for. Every other exit is reported without any wait.
 */
export function mayBeEngineStop(code: number, stopRequested: boolean): boolean {
  return !stopRequested && ENGINE_STOP_EXIT_CODES.has(code);
}

/** Whether the engine behind a stop-signal exit was going away. */
export function isEngineGone(reachability: EngineReachability): boolean {
  return reachability === 'unreachable' || reachability === 'silent';
}

/** The part of docker-modem the probe uses (dockerode types the modem as `any`). */
interface Dialer {
  protocol?: unknown;
  dial(
    options: {path: string; method: string; statusCodes: Record<number, boolean>; abortSignal: AbortSignal},
    callback: (error: unknown) => void,
  ): void;
}

function isDialer(value: unknown): value is Dialer {
  return typeof value === 'object' && value !== null && typeof (value as {dial?: unknown}).dial === 'function';
}

/**
 * A probe that goes through `docker`'s own transport (socket path, host, TLS
 * files, API version, headers) but never reuses a kept-alive socket: the
 * modem is shadowed by one whose agent keeps no connection, so every probe
 * dials anew. ssh is not probed: its far end is another machine's socket.
 */
export function freshConnectionProbe(docker: Dockerode): EngineProbe {
  const dialer = freshDialer(docker);
  if (dialer === undefined) return async () => 'unknown';
  return (timeoutMs) => probe(dialer, timeoutMs);
}

/** `docker`'s modem with an agent that keeps no connection; undefined for ssh. */
function freshDialer(docker: Dockerode): Dialer | undefined {
  const modem: unknown = docker.modem;
  if (!isDialer(modem) || modem.protocol === 'ssh') return undefined;
  const agent = modem.protocol === 'https' ? new https.Agent({keepAlive: false}) : new http.Agent({keepAlive: false});
  return Object.create(modem, {agent: {value: agent}}) as Dialer;
}

/**
 * `docker`, but every request on a connection of its own: for a request that
 * must reach a live engine (a long-lived event stream opened again after a
 * break), not a kept-alive socket a stopping daemon still serves. `docker`
 * itself where that cannot be done (ssh).
 */
export function freshConnectionDocker(docker: Dockerode): Dockerode {
  const dialer = freshDialer(docker);
  return dialer === undefined ? docker : (Object.create(docker, {modem: {value: dialer}}) as Dockerode);
}

function probe(dialer: Dialer, timeoutMs: number): Promise<EngineReachability> {
  return new Promise((resolve) => {
    const controller = new AbortController();
    // A ref'd timer of its own, and the verdict given by the timer itself, not
    // by the aborted request's callback: the answer must come in time whatever
    // the transport does with the abort.
    const timer = setTimeout(() => {
      resolve('silent');
      controller.abort();
    }, timeoutMs);
    dialer.dial({path: '/_ping', method: 'GET', statusCodes: {200: true}, abortSignal: controller.signal}, (error) => {
      clearTimeout(timer);
      resolve(reachabilityOf(error));
    });
  });
}

/** What the outcome of a fresh /_ping says about the engine. */
export function reachabilityOf(error: unknown): EngineReachability {
  // Any HTTP status (even 500) means a process accepted and answered.
  if (error === null || error === undefined || engineStatus(error) !== undefined) return 'answering';
  return isUnreachable(error) ? 'unreachable' : 'unknown';
}
