import type {SocketLike} from '../socket.js';

/** A WebSocket double: records what is sent; `open`, `message` and `drop` play the server's part. */
export class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  readonly sent: Array<string | Uint8Array> = [];
  closedWith: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: {data: unknown}) => void) | null = null;
  onclose: ((event: {code: number; reason: string}) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string | ArrayBuffer | Uint8Array) {
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  message(data: unknown) {
    this.onmessage?.({data});
  }
  drop(code: number) {
    this.readyState = 3;
    this.onclose?.({code, reason: ''});
  }
  controls() {
    return this.sent.filter((item): item is string => typeof item === 'string').map((text) => JSON.parse(text) as unknown);
  }
}
