/**
 * The cluster store on Redis (ioredis). Every write that must be atomic is one
 * Lua script, timed by Redis's own clock (TIME), so the gateways' clocks need
 * not agree. Keys (all under the prefix):
 *   client:<addr>:running  sorted set slot → lease end (ms): sessions running anywhere
 *   client:<addr>:created  sorted set slot → creation (ms): the one-minute window
 *   session:<id>           string node, with a lease: the session directory
 *   node:<name>            JSON NodeBeat, expiring after the beat's TTL: live nodes
 *   nodes                  set of the names that ever beat (read with their node: keys)
 * A lease not renewed (a node that died) expires by itself, and a node's next
 * beat writes its slots and directory entries again after Redis lost them.
 * Commands fail at once while Redis is unreachable (no offline queue) and
 * time out after `commandTimeoutMs`: the caller decides what that means.
 */
import type {Redis as RedisClient, RedisOptions} from 'ioredis';
import type {AdmitAnswer, ClusterLimits, ClusterSlot, ClusterStore, NodeBeat} from './store.js';

const WINDOW_MS = 60_000;
/** Every key and channel of a cluster starts with it (the share channels too: `share-wire.ts`). */
export const KEY_PREFIX = 'sandbox:';

// KEYS: running, created. ARGV: max running, rate, slot, lease ms.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local running = redis.call('ZCARD', KEYS[1])
if running >= tonumber(ARGV[1]) then return {1, running} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ${WINDOW_MS})
local created = redis.call('ZCARD', KEYS[2])
if created >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {2, tonumber(oldest[2]) + ${WINDOW_MS} - now}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ${WINDOW_MS})
return {0, running + 1}
`;

// KEYS: node key, nodes set, then per slot its running key and (or '') its session key.
// ARGV: node name, beat JSON, beat ttl ms, lease ms, then per slot its id.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
redis.call('SADD', KEYS[2], ARGV[1])
local lease = tonumber(ARGV[4])
for i = 5, #ARGV do
  local running = KEYS[3 + (i - 5) * 2]
  local session = KEYS[4 + (i - 5) * 2]
  redis.call('ZADD', running, now + lease, ARGV[i])
  redis.call('PEXPIRE', running, lease)
  if session ~= '' then redis.call('SET', session, ARGV[1], 'PX', lease) end
end
return 0
`;

export interface RedisStoreOptions {
  url: string;
  /** Key prefix, so several clusters (or tests) can share one Redis. */
  prefix?: string;
  /** A command without an answer by then fails (ms). */
  commandTimeoutMs?: number;
  /** Called with each command's round trip (seconds) and whether it failed. */
  observe?: (op: string, seconds: number, failed: boolean) => void;
}

type Scripted = RedisClient & {
  sandboxAdmit(running: string, created: string, max: number, rate: number, slot: string, lease: number): Promise<[number, number]>;
  sandboxBeat(...args: Array<string | number>): Promise<number>;
};

export async function createRedisStore(options: RedisStoreOptions): Promise<ClusterStore> {
  // Loaded only when server.redis is set: ioredis is an optional peer dependency.
  const {Redis} = await import('ioredis');
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    // Fail fast while disconnected instead of queueing: a session's creation never waits on a dead Redis.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 1_000,
    // Reconnect forever, at most every second: a restarted Redis is found again by itself.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  };
  const client = new Redis(options.url, redisOptions) as Scripted;
  // Reported through the failed commands; without a listener ioredis prints each reconnect error.
  client.on('error', () => {});
  client.defineCommand('sandboxAdmit', {numberOfKeys: 2, lua: ADMIT});
  client.defineCommand('sandboxBeat', {lua: BEAT});
  return new RedisStore(client, options.prefix ?? KEY_PREFIX, options.observe);
}

class RedisStore implements ClusterStore {
  readonly #client: Scripted;
  readonly #prefix: string;
  readonly #observe: RedisStoreOptions['observe'];
  #closed = false;

  constructor(client: Scripted, prefix: string, observe: RedisStoreOptions['observe']) {
    this.#client = client;
    this.#prefix = prefix;
    this.#observe = observe;
  }

  async #timed<T>(op: string, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let failed = false;
    try {
      return await run();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.#observe?.(op, Number(process.hrtime.bigint() - started) / 1e9, failed);
    }
  }

  #running = (client: string) => `${this.#prefix}client:${client}:running`;
  #created = (client: string) => `${this.#prefix}client:${client}:created`;
  #session = (id: string) => `${this.#prefix}session:${id}`;
  #node = (name: string) => `${this.#prefix}node:${name}`;

  async admit(slot: ClusterSlot, limits: ClusterLimits, leaseMs: number): Promise<AdmitAnswer> {
    const [code, value] = await this.#timed('admit', () =>
      this.#client.sandboxAdmit(this.#running(slot.client), this.#created(slot.client), limits.maxSessionsPerClient, limits.sessionsPerMinute, slot.slot, leaseMs),
    );
    if (code === 1) return {admitted: false, reason: 'too-many-sessions', running: value};
    if (code === 2) return {admitted: false, reason: 'rate-limited', retryAfterMs: value};
    return {admitted: true, running: value};
  }

  async release(slot: ClusterSlot): Promise<void> {
    await this.#timed('release', async () => {
      const pipeline = this.#client.multi().zrem(this.#running(slot.client), slot.slot);
      if (slot.session) pipeline.del(this.#session(slot.session));
      await pipeline.exec();
    });
  }

  async beat(beat: NodeBeat, slots: readonly ClusterSlot[], beatTtlMs: number, leaseMs: number): Promise<void> {
    const keys = [this.#node(beat.node), `${this.#prefix}nodes`, ...slots.flatMap((slot) => [this.#running(slot.client), slot.session ? this.#session(slot.session) : ''])];
    const args = [beat.node, JSON.stringify(beat), beatTtlMs, leaseMs, ...slots.map((slot) => slot.slot)];
    await this.#timed('beat', () => this.#client.sandboxBeat(keys.length, ...keys, ...args));
  }

  async nodes(): Promise<NodeBeat[]> {
    return this.#timed('nodes', async () => {
      const names = await this.#client.smembers(`${this.#prefix}nodes`);
      if (names.length === 0) return [];
      const values = await this.#client.mget(...names.map((name) => this.#node(name)));
      return values.flatMap((value) => (value ? [JSON.parse(value) as NodeBeat] : []));
    });
  }

  async locate(id: string): Promise<string | undefined> {
    const node = await this.#timed('locate', () => this.#client.get(this.#session(id)));
    return node ?? undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.disconnect();
  }
}
