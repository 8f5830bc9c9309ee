/**
 * The baselines: the same hardened container as the server's (the create
 * options come from `hardenedCreateOptions` with the seed variables of
 * `buildSeed`, exactly as DockerRuntime builds them), driven by raw dockerode
 * calls with nothing in between: create → attach → start → first byte, and
 * the attached TTY stream for echo and throughput.
 */
import type {Duplex} from 'node:stream';
import type Dockerode from 'dockerode';
import {hardenedCreateOptions} from '../../server/runtime/hardening.js';
import {buildSeed} from '../../server/runtime/seed.js';
import type {ContainerSpec} from '../../server/runtime/types.js';
import {Waiters} from './waiters.js';

/** What the echo and throughput measurements need of a terminal (direct or through the server). */
export interface Terminal {
  /** Called for every output chunk with its arrival time. */
  onOutput: ((data: Buffer, at: number) => void) | undefined;
  bytes: number;
  type(data: string | Buffer): void;
  waitForText(text: string, timeoutMs?: number): Promise<void>;
}

/** The create options the server's runtime would use for `spec` (hardening + seed variables). */
export function baselineCreateOptions(spec: ContainerSpec, instanceId: string): Dockerode.ContainerCreateOptions {
  const seed = buildSeed(spec.files, spec.env.limits, Date.now());
  return hardenedCreateOptions(spec, instanceId, seed.env);
}

export class DirectTerminal implements Terminal {
  onOutput: ((data: Buffer, at: number) => void) | undefined;
  bytes = 0;
  tail = '';
  keepTail = true;
  firstByteAt: number | undefined;
  readonly #waiters = new Waiters();

  private constructor(
    readonly stream: Duplex,
    private readonly container: Dockerode.Container,
    readonly startedAt: number,
  ) {
    stream.on('error', () => undefined);
    stream.on('data', (data: Buffer) => {
      const at = performance.now();
      this.firstByteAt ??= at;
      this.bytes += data.length;
      this.onOutput?.(data, at);
      if (this.keepTail) this.tail = (this.tail + data.toString('latin1')).slice(-4096);
      this.#waiters.wake();
    });
  }

  /** Create → attach → start, timed from before the create call. */
  static async start(docker: Dockerode, spec: ContainerSpec, instanceId: string): Promise<DirectTerminal> {
    const startedAt = performance.now();
    const container = await docker.createContainer(baselineCreateOptions(spec, instanceId));
    const stream = (await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true})) as Duplex;
    const terminal = new DirectTerminal(stream, container, startedAt);
    await container.start();
    return terminal;
  }

  /** ms from before the create call to the first output byte. */
  async firstByte(timeoutMs = 30_000): Promise<number> {
    await this.waitFor(() => this.firstByteAt !== undefined, timeoutMs, 'the first byte');
    return this.firstByteAt! - this.startedAt;
  }

  type(data: string | Buffer): void {
    this.stream.write(data);
  }

  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return this.#waiters.waitFor({
      predicate,
      timeoutMs,
      failure: () => new Error(`direct attach: timed out waiting for ${what}; tail ${JSON.stringify(this.tail.slice(-200))}`),
    });
  }

  waitForText(text: string, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(() => this.tail.includes(text), timeoutMs, JSON.stringify(text));
  }

  async remove(): Promise<void> {
    this.stream.destroy();
    await this.container.remove({force: true}).catch(() => undefined);
  }
}

/** The floor: raw create + attach + start → first byte; the container is removed afterwards (untimed). */
export async function floorFirstByte(docker: Dockerode, spec: ContainerSpec, instanceId: string): Promise<number> {
  const terminal = await DirectTerminal.start(docker, spec, instanceId);
  try {
    return await terminal.firstByte();
  } finally {
    await terminal.remove();
  }
}
