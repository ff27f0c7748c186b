import type { Redis } from 'ioredis';

/**
 * The Lua scripts Annalist runs in Redis. Each runs atomically, so two nodes counting the same address, or one
 * storing a page while another moves the generation, never interleave half-way.
 */
const SCRIPTS = {
  /** KEYS: limit key. ARGV: now, windowMs, record (1|0), member, maxPerKey. Returns [count, retryAfterMs]. */
  annalistRate: {
    numberOfKeys: 1,
    lua: `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
  redis.call('PEXPIRE', KEYS[1], window)
end
local n = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = 0
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
return {n, retry}`,
  },
  /** KEYS: generation counter. ARGV: page key prefix, request key hash. Returns [generation, page or nil]. */
  annalistPageLookup: {
    numberOfKeys: 1,
    lua: `
local g = redis.call('GET', KEYS[1]) or '0'
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}`,
  },
  /** KEYS: generation counter. ARGV: page key prefix, hash, generation, value, ttlMs. Stores only in that generation. */
  annalistPageStore: {
    numberOfKeys: 1,
    lua: `
local g = redis.call('GET', KEYS[1]) or '0'
if g ~= ARGV[3] then return 0 end
redis.call('SET', ARGV[1] .. g .. ':' .. ARGV[2], ARGV[4], 'PX', ARGV[5])
return 1`,
  },
  /**
   * KEYS: generation counter. ARGV: channel, this node's id, the change (see Storage.noteWrite). Moves the
   * generation and tells every node, in that order, so the messages carry consecutive generations.
   */
  annalistAnnounce: {
    numberOfKeys: 1,
    lua: `
local g = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. g .. ' ' .. ARGV[3])
return g`,
  },
} as const;

/** A Redis connection with Annalist's scripts defined (EVALSHA, falling back to EVAL once per connection). */
export interface ScriptedRedis extends Redis {
  annalistRate(
    key: string,
    now: number,
    windowMs: number,
    record: 0 | 1,
    member: string,
    max: number,
  ): Promise<[number, number]>;
  annalistPageLookupBuffer(genKey: string, prefix: string, hash: string): Promise<[Buffer, Buffer | null]>;
  annalistPageStore(
    genKey: string,
    prefix: string,
    hash: string,
    gen: string,
    value: Buffer,
    ttlMs: number,
  ): Promise<number>;
  annalistAnnounce(genKey: string, channel: string, nodeId: string, change: string): Promise<number>;
}

export function defineScripts(redis: Redis): ScriptedRedis {
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);
  return redis as ScriptedRedis;
}
