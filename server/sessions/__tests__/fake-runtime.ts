/** A scripted ContainerRuntime for unit tests: no Docker, every step driven by the test. */
import {Duplex} from 'node:stream';
import type {ContainerExit, ContainerRuntime, ContainerSpec, EngineInfo, SandboxContainer} from '../../runtime/types.js';

export class FakeContainer implements SandboxContainer {
  readonly id: string;
  readonly stdin: Buffer[] = [];
  readonly kills: string[] = [];
  readonly resizes: Array<[number, number]> = [];
  removed = 0;
  readonly stream: Duplex;
  readonly exited: Promise<ContainerExit>;
  private resolveExit!: (exit: ContainerExit) => void;

  constructor(readonly spec: ContainerSpec) {
    this.id = `fake-${spec.sessionId}`;
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    const stdin = this.stdin;
    this.stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        stdin.push(Buffer.from(chunk));
        callback();
      },
    });
  }

  /** The program prints. Returns false when the stream's buffer is full. */
  output(data: string | Buffer): boolean {
    return this.stream.push(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** The program ends: exit resolves and the stream ends. */
  exit(code: number, oomKilled = false): void {
    this.resolveExit({code, oomKilled});
    this.stream.push(null);
  }

  /** The engine reports the exit while output still waits in the stream. */
  exitOnly(code: number, oomKilled = false): void {
    this.resolveExit({code, oomKilled});
  }

  async resize(cols: number, rows: number): Promise<void> {
    this.resizes.push([cols, rows]);
  }

  async kill(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    this.kills.push(signal);
    if (signal === 'SIGKILL') this.exit(137);
  }

  async remove(): Promise<void> {
    this.removed += 1;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers: FakeContainer[] = [];
  readonly reaps: Array<{instanceId?: string; olderThanMs?: number}> = [];
  /** When set, start() rejects with it. */
  failWith: Error | undefined;
  /** start() waits for this before resolving (to test the starting state). */
  gate: Promise<void> = Promise.resolve();

  /** Holds every start until the returned function is called (a start in flight). */
  holdStarts(): () => void {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    return open;
  }
  engineInfo: EngineInfo = {reachable: true, version: 'fake', runtimes: ['runc']};
  images = new Set<string>();
  allImages = true;

  async start(spec: ContainerSpec, options: {signal?: AbortSignal} = {}): Promise<SandboxContainer> {
    await this.gate;
    options.signal?.throwIfAborted();
    if (this.failWith) throw this.failWith;
    const container = new FakeContainer(spec);
    this.containers.push(container);
    return container;
  }

  async engine(): Promise<EngineInfo> {
    return this.engineInfo;
  }

  async hasImage(image: string): Promise<boolean> {
    return this.allImages || this.images.has(image);
  }

  async reap(filter: {instanceId?: string; olderThanMs?: number}): Promise<number> {
    this.reaps.push(filter);
    return 0;
  }
}
