/**
 * WebSocket heartbeat: every interval each socket is pinged; one that has not
 * answered the previous ping (no pong for a whole interval) is a dead peer and
 * is terminated, so its session's grace starts instead of waiting for TCP.
 */
import type {Clock, TimerHandle} from '../clock.js';

/** The part of a `ws` socket the heartbeat uses. */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

export class Heartbeat<Socket extends HeartbeatSocket = HeartbeatSocket> {
  readonly #alive = new WeakMap<Socket, boolean>();
  readonly #timer: TimerHandle;
  readonly #clock: Clock;
  // One listener for every socket (`this` is the socket), not a closure per session.
  readonly #onPong: (this: Socket) => void;

  constructor(options: {clock: Clock; intervalMs: number; sockets: () => Iterable<Socket>}) {
    this.#clock = options.clock;
    const alive = this.#alive;
    this.#onPong = function (this: Socket) {
      alive.set(this, true);
    };
    this.#timer = options.clock.setInterval(() => this.#beat(options.sockets()), options.intervalMs);
  }

  /** A new socket counts as alive until it misses a whole interval. */
  watch(socket: Socket): void {
    this.#alive.set(socket, true);
    socket.on('pong', this.#onPong);
  }

  #beat(sockets: Iterable<Socket>): void {
    for (const socket of sockets) {
      if (this.#alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      this.#alive.set(socket, false);
      socket.ping();
    }
  }

  /** Idempotent. */
  dispose(): void {
    this.#clock.clearInterval(this.#timer);
  }
}
