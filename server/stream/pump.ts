/**
 * Moves a container's terminal output to a client socket with bounded memory:
 * the source is paused while the socket's send buffer is above the high-water
 * mark and resumed once it drains below the low one (without the pause a client
 * that stops reading grew the server by ~64 MB/s; shared FACTS). It also counts
 * bytes against the session's output cap. Holds at most the one chunk in hand.
 */
import type {Readable} from 'node:stream';
import type {Clock, TimerHandle} from '../sessions/clock.js';

/** The part of a `ws` WebSocket the pump needs. */
export interface OutputSink {
  readonly bufferedAmount: number;
  /** False once the socket is closing or closed. */
  readonly open: boolean;
  send(data: Buffer): void;
}

export interface OutputPumpOptions {
  highWaterMark: number;
  lowWaterMark: number;
  /** Bytes after which output stops and `onLimit` fires once. */
  limit: number;
  clock: Clock;
  /** How often a paused pump looks at the socket's buffer again (ms). */
  pollMs?: number;
  onLimit?: () => void;
  /** Called for every forwarded chunk (activity for the idle timer). */
  onData?: (bytes: number) => void;
}

export class OutputPump {
  private source: Readable | undefined;
  private sink: OutputSink | undefined;
  private sentBytes = 0;
  private limitReached = false;
  private backpressure = false;
  private poll: TimerHandle | undefined;
  private disposed = false;
  private readonly onChunk = (chunk: Buffer | string) => this.forward(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);

  constructor(private readonly options: OutputPumpOptions) {}

  /** Bytes forwarded so far. */
  get bytes(): number {
    return this.sentBytes;
  }

  /** True while the source is held back because the client does not read. */
  get paused(): boolean {
    return this.backpressure;
  }

  setSource(source: Readable): void {
    if (this.disposed || this.source) return;
    this.source = source;
    source.on('data', this.onChunk);
    this.update();
  }

  attach(sink: OutputSink): void {
    if (this.disposed) return;
    this.sink = sink;
    this.update();
  }

  detach(sink?: OutputSink): void {
    if (sink && sink !== this.sink) return;
    this.sink = undefined;
    this.update();
  }

  private forward(chunk: Buffer): void {
    const sink = this.sink;
    if (this.limitReached || this.disposed) return;
    if (!sink?.open) {
      // A chunk already in flight when the client went away: give it back.
      this.source?.pause();
      this.source?.unshift(chunk);
      return;
    }
    let data = chunk;
    const remaining = this.options.limit - this.sentBytes;
    if (data.length >= remaining) {
      data = data.subarray(0, remaining);
      this.limitReached = true;
    }
    if (data.length > 0) {
      this.sentBytes += data.length;
      sink.send(data);
      this.options.onData?.(data.length);
    }
    if (this.limitReached) {
      this.source?.pause();
      this.options.onLimit?.();
      return;
    }
    if (sink.bufferedAmount > this.options.highWaterMark) {
      this.backpressure = true;
      this.update();
    }
  }

  /** Pauses or resumes the source from the current sink state. */
  private update(): void {
    const source = this.source;
    if (!source || this.disposed) return;
    const sink = this.sink;
    if (this.limitReached || !sink?.open) {
      source.pause();
      return;
    }
    if (this.backpressure && sink.bufferedAmount > this.options.lowWaterMark) {
      source.pause();
      this.schedulePoll();
      return;
    }
    this.backpressure = false;
    source.resume();
  }

  private schedulePoll(): void {
    if (this.poll) return;
    this.poll = this.options.clock.setTimeout(() => {
      this.poll = undefined;
      this.update();
    }, this.options.pollMs ?? 20);
  }

  /** Stops forwarding and leaves the source paused. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.options.clock.clearTimeout(this.poll);
    this.poll = undefined;
    this.source?.off('data', this.onChunk);
    this.source?.pause();
    this.sink = undefined;
  }
}
