/**
 * The session's WebSocket, held in one place: the part of a socket it uses,
 * how one is opened (subprotocols, binary frames as ArrayBuffer, the handlers
 * wired), sending only while it is open, and closing it so that nothing it
 * still emits reaches the session.
 */

/** The part of a WebSocket the session uses (the browser's, or a test double). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: {data: unknown}) => void) | null;
  onclose: ((event: {code: number; reason: string}) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

/** The page's own WebSocket. */
export const browserSocketFactory: SocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike;

/** `WebSocket.OPEN`, spelled out so the holder works with any socket double. */
export const SOCKET_OPEN = 1;

export interface SocketEvents {
  /** The socket opened; `socket` is this socket, to send what must follow the open on it. */
  open(socket: SocketLike): void;
  /** A frame arrived: an ArrayBuffer (binary) or a string (text). */
  frame(data: unknown): void;
  /** The socket closed on its own (the holder no longer holds it). */
  closed(code: number): void;
}

/** Holds at most one socket; the session replaces it on every reconnect. */
export class SocketHolder {
  #socket: SocketLike | undefined;

  get isOpen(): boolean {
    return this.#socket?.readyState === SOCKET_OPEN;
  }

  /**
   * Opens a socket and holds it. Returns false when the factory throws (a URL
   * or subprotocol the browser refuses), and then holds none.
   */
  open(create: SocketFactory, url: string, protocols: string[], events: SocketEvents): boolean {
    let socket: SocketLike;
    try {
      socket = create(url, protocols);
    } catch {
      return false;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => events.open(socket);
    socket.onmessage = (event) => events.frame(event.data);
    socket.onerror = () => {
      // The close event follows and carries the decision.
    };
    socket.onclose = (event) => {
      this.#socket = undefined;
      events.closed(event.code);
    };
    return true;
  }

  /** Sends on the held socket if it is open; otherwise the data is dropped. */
  send(data: string | Uint8Array): void {
    if (this.#socket?.readyState === SOCKET_OPEN) this.#socket.send(data);
  }

  /** Closes the held socket, if any, after detaching its handlers. Idempotent. */
  close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(1000, 'client closed');
    } catch {
      // Closing a socket that never opened may throw in some browsers; it is gone either way.
    }
  }
}
