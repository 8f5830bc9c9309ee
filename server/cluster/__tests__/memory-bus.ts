/** A ShareBus in memory for the unit tests: frames arrive asynchronously and in order, like Redis pub/sub. */
import type {FrameHandler, ShareBus} from '../share-bus.js';

export class MemoryBus implements ShareBus {
  readonly handlers = new Map<string, FrameHandler>();
  readonly published: Array<{channel: string; frame: Buffer}> = [];
  /** While set, publishes stay pending (a slow Redis); `release()` lets them through. */
  stalled = false;
  failing = false;
  #pending: Array<() => void> = [];

  async publish(channel: string, frame: Buffer): Promise<void> {
    if (this.failing) throw new Error('redis down');
    this.published.push({channel, frame});
    if (this.stalled) await new Promise<void>((resolve) => this.#pending.push(resolve));
    else await Promise.resolve();
    this.handlers.get(channel)?.(frame);
  }

  release(): void {
    this.stalled = false;
    for (const resolve of this.#pending.splice(0)) resolve();
  }

  async subscribe(channel: string, onFrame: FrameHandler): Promise<void> {
    this.handlers.set(channel, onFrame);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
