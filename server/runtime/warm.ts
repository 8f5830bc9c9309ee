/**
 * A warm container: started ahead of demand with WARM_LAUNCHER, waiting for
 * its seed on the TTY stdin (see warm-seed.ts). Knows only the
 * `SandboxContainer` seam, so it works with any runtime and with scripted
 * doubles in unit tests.
 *
 * `prepare` waits for WARM_MARKER; `take` writes the seed in one write, waits
 * for SEEDED_MARKER, strips it and hands the container over with its stream
 * paused and every other byte still in it. A warm container is taken at most
 * once; any failure removes it (the pool then starts a cold one).
 */
import type {Duplex} from 'node:stream';
import type {Clock} from '../clock.js';
import {SandboxError} from '../errors.js';
import type {SeedLimits} from './seed.js';
import type {ContainerSpec, SandboxContainer} from './types.js';
import {buildWarmSeed, SEEDED_MARKER, WARM_MARKER} from './warm-seed.js';

/** Output a launcher may print before its marker (error messages); more means something is wrong. */
const MAX_BEFORE_MARKER = 64 * 1024;

export interface MarkerRead {
  /** Bytes the stream carried before the marker. */
  before: Buffer;
  /** Bytes that arrived after the marker in the same chunk. */
  after: Buffer;
}

/**
 * Reads `stream` until `marker`. Resolves with what came around it and leaves
 * the stream paused, having consumed exactly those bytes. Rejects with
 * SandboxError 'sandbox-lost' when the stream ends, errors, carries more than
 * 64 KiB without the marker, or `timeoutMs` passes; with the signal's reason on
 * abort.
 */
export function readUntilMarker(
  stream: Duplex,
  marker: string,
  options: {timeoutMs: number; signal?: AbortSignal | undefined},
): Promise<MarkerRead> {
  const needle = Buffer.from(marker, 'latin1');
  return new Promise((resolve, reject) => {
    let seen: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown) => {
      cleanup();
      stream.pause();
      reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      // Search only where the marker can newly end: it may straddle chunks.
      const from = Math.max(0, seen.length - needle.length + 1);
      seen = seen.length === 0 ? data : Buffer.concat([seen, data]);
      const at = seen.indexOf(needle, from);
      if (at === -1) {
        if (seen.length > MAX_BEFORE_MARKER) {
          fail(new SandboxError('sandbox-lost', `no launcher marker within ${MAX_BEFORE_MARKER} bytes of output`));
        }
        return;
      }
      cleanup();
      stream.pause();
      resolve({before: seen.subarray(0, at), after: seen.subarray(at + needle.length)});
    };
    const onEnd = () => fail(new SandboxError('sandbox-lost', 'the warm container ended before its launcher was ready'));
    const onError = (error: Error) => fail(new SandboxError('sandbox-lost', `the warm container's stream failed (${error.message})`, {cause: error}));
    const onAbort = () => fail(options.signal?.reason);
    const timer = setTimeout(
      () => fail(new SandboxError('sandbox-lost', `the warm container's launcher did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, {once: true});
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    // An explicitly paused stream stays paused when a 'data' listener is added.
    stream.resume();
  });
}

export interface WarmOptions {
  /** How long the launcher may take to answer (ms). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export class WarmSandbox {
  readonly id: string;
  /** When it became warm (the pool recycles old ones). */
  readonly readyAt: number;
  #container: SandboxContainer;
  #state: 'warm' | 'taken' | 'removed' = 'warm';

  private constructor(container: SandboxContainer, readyAt: number) {
    this.id = container.id;
    this.#container = container;
    this.readyAt = readyAt;
  }

  /** Settles when the container ends (a warm one should not: the pool drops it). */
  get exited(): Promise<unknown> {
    return this.#container.exited;
  }

  /** Still waiting for a session (not taken, not removed). */
  get available(): boolean {
    return this.#state === 'warm';
  }

  /**
   * Waits until the launcher of a just-started container waits for its seed.
   * On any failure the container is removed and the error rethrown.
   */
  static async prepare(container: SandboxContainer, options: WarmOptions & {clock: Pick<Clock, 'now'>}): Promise<WarmSandbox> {
    try {
      // Nothing but the marker is expected; anything before it is dropped.
      const {after} = await readUntilMarker(container.stream, WARM_MARKER, options);
      if (after.length > 0) container.stream.unshift(after);
    } catch (error) {
      await container.remove().catch(() => undefined);
      throw error;
    }
    return new WarmSandbox(container, options.clock.now());
  }

  /**
   * Seeds the container for `spec` and returns it running `spec.cmd`, its
   * stream paused with the command's first bytes still in it. Caps are
   * checked before anything is written (SandboxError as for a cold start).
   * Once only; on failure the container is removed and the error rethrown.
   */
  async take(spec: ContainerSpec, options: WarmOptions & {limits: SeedLimits; mtime: number}): Promise<SandboxContainer> {
    if (this.#state !== 'warm') throw new Error('a warm container is used by one session only');
    const seed = buildWarmSeed(spec, options.limits, options.mtime);
    this.#state = 'taken';
    const container = this.#container;
    try {
      const read = readUntilMarker(container.stream, SEEDED_MARKER, options);
      // One write: nothing may follow the payload before the marker (head -c over-reads).
      container.stream.write(seed.payload);
      const {before, after} = await read;
      // The launcher's own messages (a failed unpack) stay for the reader.
      const rest = before.length === 0 ? after : after.length === 0 ? before : Buffer.concat([before, after]);
      if (rest.length > 0) container.stream.unshift(rest);
      return container;
    } catch (error) {
      await container.remove().catch(() => undefined);
      throw error;
    }
  }

  /** Removes the container unless a session took it (then it is the session's). Idempotent. */
  async remove(): Promise<void> {
    if (this.#state !== 'warm') return;
    this.#state = 'removed';
    await this.#container.remove();
  }
}
