/**
 * The pub/sub that carries shared terminals between gateways (`share-wire.ts`
 * says what travels on it), behind one small interface: real, Redis pub/sub
 * (ioredis; a subscribed connection can do nothing else, so a bus holds two);
 * a double in the unit tests. A publish is never awaited on a session's path:
 * the callers count what is in flight and drop beyond their bound.
 */
import type {Redis as RedisClient, RedisOptions} from 'ioredis';

export type FrameHandler = (frame: Buffer) => void;

export interface ShareBus {
  publish(channel: string, frame: Buffer): Promise<void>;
  /** Frames published on `channel` from now on reach `onFrame` (resolves once Redis has confirmed). */
  subscribe(channel: string, onFrame: FrameHandler): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

export interface RedisShareBusOptions {
  url: string;
  /** A publish or subscribe without an answer by then fails (ms). */
  commandTimeoutMs?: number;
}

export async function createRedisShareBus(options: RedisShareBusOptions): Promise<ShareBus> {
  const {Redis} = await import('ioredis');
  const redisOptions: RedisOptions = {
    // As the store: fail at once while disconnected, never queue behind a dead Redis.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  };
  const publisher = new Redis(options.url, redisOptions);
  // A subscriber re-subscribes its channels by itself after a reconnect (ioredis autoResubscribe).
  const subscriber = new Redis(options.url, {...redisOptions, commandTimeout: undefined});
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  return new RedisShareBus(publisher, subscriber);
}

class RedisShareBus implements ShareBus {
  readonly #handlers = new Map<string, FrameHandler>();
  #closed = false;

  constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#handlers.get(channel.toString('utf8'))?.(message));
  }

  async publish(channel: string, frame: Buffer): Promise<void> {
    await this.publisher.publish(channel, frame);
  }

  async subscribe(channel: string, onFrame: FrameHandler): Promise<void> {
    this.#handlers.set(channel, onFrame);
    try {
      await this.subscriber.subscribe(channel);
    } catch (error) {
      this.#handlers.delete(channel);
      throw error;
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    if (!this.#handlers.delete(channel)) return;
    await this.subscriber.unsubscribe(channel).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
