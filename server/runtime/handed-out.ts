/** The warm pool's wrapper of a container it handed to a session (pool.ts). */
import type {ContainerExit, SandboxContainer} from './types.js';

/**
 * A container a session holds: removing it frees its place under the cap.
 * A class, not an object literal of closures, since every session holds one
 * for its lifetime (memory per session).
 */
export class HandedOutContainer implements SandboxContainer {
  #removal: Promise<void> | undefined;

  constructor(
    private readonly container: SandboxContainer,
    readonly fromPool: boolean,
    private readonly onRemoved: () => void,
  ) {}

  get id(): string {
    return this.container.id;
  }

  get stream(): SandboxContainer['stream'] {
    return this.container.stream;
  }

  get preamble(): SandboxContainer['preamble'] {
    return this.container.preamble;
  }

  get exited(): Promise<ContainerExit> {
    return this.container.exited;
  }

  resize(cols: number, rows: number): Promise<void> {
    return this.container.resize(cols, rows);
  }

  kill(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): Promise<void> {
    return this.container.kill(signal);
  }

  remove(): Promise<void> {
    this.#removal ??= this.container.remove().finally(this.onRemoved);
    return this.#removal;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}

