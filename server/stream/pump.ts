/**
 * Moves a container's terminal output to a client socket with bounded memory:
 * the source is paused while the socket's send buffer is above the high-water
 * mark and resumed once it drains below the low one (without the pause a client
 * that stops reading grew the server by ~64 MB/s, measured here). It also counts
 * bytes against the session's output cap.
 *
 * Every forwarded byte also goes into a bounded replay ring (`ring.ts`) so a
 * client that reconnects gets what it missed. A client that opted into acks
 * (`hello`) additionally limits the bytes in flight to a window: the
 * source pauses while `sent - acked >= window`, whatever the socket buffer says,
 * so the browser never holds more than the window unparsed and Ctrl-C during a
 * flood takes effect quickly.
 *
 * An optional rate (rate.ts: a token bucket with a quarter of a second of
 * burst, shared by a client's sessions) holds a flooding program to it,
 * whatever the client reads. A flood costs CPU all along the pipe (the
 * runtime's terminal, the shim, the engine, this process); on a small host
 * that starved other readers' echo (under gVisor, p99 up to ~100 ms
 * at ~15 MB/s). A terminal shows far less than that anyway.
 */
import type {Readable} from 'node:stream';
import {FLOW_WINDOW_BYTES} from '../../protocol/index.js';
import type {Clock, TimerHandle} from '../clock.js';
import type {OutputRate} from './rate.js';
import {OutputRing} from './ring.js';

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
  /** Called for every forwarded chunk, after it was sent (activity for the idle timer, a share's viewers). */
  onData?: (chunk: Buffer) => void;
  /** Replay ring capacity (bytes); default REPLAY_BUFFER_BYTES. */
  replayBytes?: number;
  /** Flow window for clients that ack; default FLOW_WINDOW_BYTES. */
  window?: number;
  /** Output rate (possibly shared with other pumps); absent for no limit. */
  rate?: OutputRate | undefined;
}

export class OutputPump {
  private source: Readable | undefined;
  private sink: OutputSink | undefined;
  private sentBytes = 0;
  private limitReached = false;
  private backpressure = false;
  private poll: TimerHandle | undefined;
  private disposed = false;
  private readonly ring: OutputRing;
  /** Set while the output rate is in debt: the source waits it out. */
  private throttle: TimerHandle | undefined;
  /** Flow window of the current sink: only counted once the client opted into acks. */
  private acks = false;
  private sinkSent = 0;
  private sinkAcked = 0;
  private readonly onChunk = (chunk: Buffer | string) => this.forward(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);

  constructor(private readonly options: OutputPumpOptions) {
    this.ring = new OutputRing(options.replayBytes);
  }

  /** Bytes sent to the current client and not yet acknowledged (0 without acks). */
  get inFlight(): number {
    return this.acks ? this.sinkSent - this.sinkAcked : 0;
  }

  private get windowFull(): boolean {
    return this.acks && this.sinkSent - this.sinkAcked >= (this.options.window ?? FLOW_WINDOW_BYTES);
  }

  /**
   * What a client that has received everything before `offset` is missing,
   * from the replay ring. Send the `replay` message, then pass `data` to attach().
   */
  replayFrom(offset: number): {from: number; truncated: boolean; data: Buffer[]} {
    return this.ring.since(offset);
  }

  /** Bytes forwarded so far. */
  get bytes(): number {
    return this.sentBytes;
  }

  /**
   * True while the source is held back: the client does not read, or the
   * output rate is in debt. Either way output is still on its way (the end of
   * a session waits for it).
   */
  get paused(): boolean {
    return this.backpressure || this.windowFull || this.throttle !== undefined;
  }

  setSource(source: Readable): void {
    if (this.disposed || this.source) return;
    this.source = source;
    source.on('data', this.onChunk);
    this.update();
  }

  /** Connects a client socket; `replay` (from replayFrom) is sent first and counts against the window. */
  attach(sink: OutputSink, replay: readonly Buffer[] = []): void {
    if (this.disposed) return;
    if (sink !== this.sink) {
      // A new socket starts a new window (re-attaching the same one, e.g. when the source arrives, keeps it).
      this.acks = false;
      this.sinkSent = 0;
      this.sinkAcked = 0;
    }
    this.sink = sink;
    for (const chunk of replay) {
      if (!sink.open) break;
      sink.send(chunk);
      this.sinkSent += chunk.length;
    }
    if (sink.bufferedAmount > this.options.highWaterMark) this.backpressure = true;
    this.update();
  }

  detach(sink?: OutputSink): void {
    if (sink && sink !== this.sink) return;
    this.sink = undefined;
    this.acks = false;
    this.update();
  }

  /** The current client acknowledges output from now on (`hello` with acks). */
  enableAcks(): void {
    if (!this.sink || this.acks) return;
    this.acks = true;
    this.update();
  }

  /** The current client has processed `bytes` more bytes. Claims beyond what was sent are clamped. */
  acknowledge(bytes: number): void {
    if (!this.sink) return;
    // An ack from a client that never said hello still turns the window on: it evidently acks.
    this.acks = true;
    this.sinkAcked = Math.min(this.sinkSent, this.sinkAcked + bytes);
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
    // With acks on, send only what fits the window and give the rest back, so
    // the window holds exactly (not "up to one chunk more").
    let rest: Buffer | undefined;
    if (this.acks) {
      const room = Math.max(0, (this.options.window ?? FLOW_WINDOW_BYTES) - (this.sinkSent - this.sinkAcked));
      if (data.length > room) {
        rest = data.subarray(room);
        data = data.subarray(0, room);
      }
    }
    const remaining = this.options.limit - this.sentBytes;
    if (data.length >= remaining) {
      data = data.subarray(0, remaining);
      this.limitReached = true;
    }
    if (data.length > 0) {
      // Send first: the bookkeeping is not on the keystroke's echo path.
      sink.send(data);
      this.sentBytes += data.length;
      this.sinkSent += data.length;
      this.ring.append(data);
      this.options.onData?.(data);
      if (this.options.rate) this.spend(this.options.rate, data.length);
    }
    if (this.limitReached) {
      this.source?.pause();
      this.options.onLimit?.();
      return;
    }
    if (rest && rest.length > 0) {
      this.source?.pause();
      this.source?.unshift(rest);
    }
    if (sink.bufferedAmount > this.options.highWaterMark) this.backpressure = true;
    if (this.backpressure || this.windowFull || this.throttle) this.update();
  }

  /** Pays for `bytes` sent; in debt, holds the source until the rate has paid it back. */
  private spend(rate: OutputRate, bytes: number): void {
    const wait = rate.spend(bytes);
    if (wait === 0 || this.throttle) return;
    this.throttle = this.options.clock.setTimeout(() => {
      this.throttle = undefined;
      this.update();
    }, wait);
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
    if (this.windowFull || this.throttle) {
      // The next ack, or the throttle's timer, calls update() again; no polling needed.
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
    this.options.clock.clearTimeout(this.throttle);
    this.poll = undefined;
    this.throttle = undefined;
    this.source?.off('data', this.onChunk);
    this.source?.pause();
    this.sink = undefined;
  }

  /** Drops the replay ring (nobody can resume any more). Disposal keeps it for a late resume. */
  releaseReplay(): void {
    this.ring.clear();
  }
}
