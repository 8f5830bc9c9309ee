/**
 * The shutdown sequence behind close(), in an order that matters: stop
 * accepting and stop the background work; end every session and drain the
 * runtime within one budget; reap what this instance still owns, only while
 * its lease is held (a lease lost to an engine restart is taken back first); close the sockets (1001), cutting those that do not
 * finish the closing handshake; close the HTTP server, the limiter and the
 * admin listener; give the lease back last, so no other server takes the id
 * while this one still removes its containers. Runs once: every later call
 * gets the same promise.
 */
import {CLOSE_CODES} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';

/** Ending the sessions and the reap together get this long. */
export const SHUTDOWN_BUDGET_MS = 8_000;
/** A socket that has not finished its closing handshake by then is terminated. */
export const SOCKET_CLOSE_GRACE_MS = 500;
/** How long the HTTP server may take to close once its sockets were asked to. */
export const HTTP_CLOSE_WAIT_MS = 1_000;

/** The part of `http.Server` the shutdown uses. */
export interface ShutdownHttpServer {
  readonly listening: boolean;
  close(callback: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** The part of a `ws` socket the shutdown uses. */
export interface ShutdownSocket {
  close(code: number, reason: string): void;
  terminate(): void;
}

/** The part of a `ws` WebSocketServer the shutdown uses. */
export interface ShutdownSocketServer {
  readonly clients: Iterable<ShutdownSocket>;
  close(): void;
}

export interface ShutdownParts {
  clock: Clock;
  /** New requests and upgrades are refused from here on. */
  stopAccepting(): void;
  /** Background work stopped next, in this order (heartbeat, metering, sweep). */
  background: ReadonlyArray<{dispose(): void}>;
  http: ShutdownHttpServer;
  /** Ends every session and drains the runtime the server made itself. */
  drain(): Promise<unknown>;
  /** The instance lease: a lost one is reclaimed first; reaped by id only while `owned`; released last. */
  instance: {readonly owned: boolean; reclaim(): Promise<void>; release(): Promise<void>};
  /** Removes every container labelled with this instance's id. */
  reapInstance(): Promise<unknown>;
  /** Drops the requests still held until the start completes. */
  gate: {fail(): void};
  sockets: ShutdownSocketServer;
  admission: {dispose(): void};
  admin?: {close(): Promise<void>} | undefined;
}

export class Shutdown {
  readonly #parts: ShutdownParts;
  #done: Promise<void> | undefined;

  constructor(parts: ShutdownParts) {
    this.#parts = parts;
  }

  /** Runs the sequence once. Idempotent. */
  run(): Promise<void> {
    this.#done ??= this.#sequence();
    return this.#done;
  }

  async #sequence(): Promise<void> {
    const {clock, http, sockets, instance} = this.#parts;
    this.#parts.stopAccepting();
    for (const work of this.#parts.background) work.dispose();
    const stopped = new Promise<void>((resolve) => {
      if (!http.listening) resolve();
      else http.close(() => resolve());
    });
    http.closeIdleConnections();
    const budget = this.#elapse(SHUTDOWN_BUDGET_MS);
    try {
      await Promise.race([this.#parts.drain(), budget.elapsed]);
      await Promise.race([instance.reclaim(), budget.elapsed]);
      // Whatever this instance still owns goes too: e.g. a container whose removal
      // failed while the engine was away (daemon restart) and is back now. Only
      // while the lease is ours: a start refused because another live server
      // holds this id must not touch that server's containers.
      if (instance.owned) await Promise.race([this.#parts.reapInstance().catch(() => 0), budget.elapsed]);
    } finally {
      budget.cancel();
    }
    this.#parts.gate.fail();
    for (const socket of sockets.clients) socket.close(CLOSE_CODES.goingAway, 'server shutting down');
    sockets.close();
    // Sockets that did not finish their closing handshake are cut.
    clock.setTimeout(() => {
      for (const socket of sockets.clients) socket.terminate();
      http.closeAllConnections();
    }, SOCKET_CLOSE_GRACE_MS);
    const httpWait = this.#elapse(HTTP_CLOSE_WAIT_MS);
    await Promise.race([stopped, httpWait.elapsed]);
    httpWait.cancel();
    http.closeAllConnections();
    this.#parts.admission.dispose();
    await this.#parts.admin?.close();
    await instance.release();
  }

  /** A promise that resolves after `ms` on the clock, and a way to drop its timer. */
  #elapse(ms: number): {elapsed: Promise<void>; cancel: () => void} {
    let timer: TimerHandle | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = this.#parts.clock.setTimeout(resolve, ms);
    });
    return {elapsed, cancel: () => this.#parts.clock.clearTimeout(timer)};
  }
}
