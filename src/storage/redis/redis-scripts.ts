import type { Redis } from 'ioredis';

/**
 * The Lua scripts Annalist runs in Redis. Each runs atomically, so two nodes counting the same address, or one
 * storing a page while another drops what a change names, never interleave half-way.
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
  /**
   * The second-level page cache (decision 016, amended). Pages and the per-key sets of the pages that depend on each
   * key live under the *epoch* (moved only by a change of everything), so such a change drops them all at once.
   * KEYS: generation, epoch. ARGV: page prefix, key-set prefix, page hash. Returns [generation, epoch, page or nil].
   * A page is found only while every key set it was stored in still lists it: a set dropped, or evicted by Redis
   * under memory pressure before its pages, makes the page a miss, never a stale hit.
   */
  annalistPageLookup: {
    numberOfKeys: 2,
    lua: `
local g = redis.call('GET', KEYS[1]) or '0'
local e = redis.call('GET', KEYS[2]) or ''
local found = redis.call('HMGET', ARGV[1] .. e .. ':' .. ARGV[3], 'v', 'k')
if not found[1] then return {g, e} end
for key in string.gmatch(found[2] or '', '%S+') do
  if not redis.call('ZSCORE', ARGV[2] .. e .. ':' .. key, ARGV[3]) then return {g, e} end
end
return {g, e, found[1]}`,
  },
  /**
   * KEYS: generation, epoch, changed (key -> generation of its last change), floor. ARGV: page prefix, key-set
   * prefix, page hash, generation and epoch of the lookup, value, ttlMs, then the keys the page depends on.
   * Stores nothing when the epoch moved, the counter went back (Redis restarted), or one of the keys changed
   * after the lookup (the render may predate that change): a store never interleaves with a drop, and a render
   * that raced a write is never shared. Each key set is pruned of expired pages and lives as long as its
   * longest-lived page. Returns 1 when stored.
   */
  annalistPageStore: {
    numberOfKeys: 4,
    lua: `
local e = redis.call('GET', KEYS[2]) or ''
if e ~= ARGV[5] then return 0 end
local g0 = tonumber(ARGV[4])
if g0 > tonumber(redis.call('GET', KEYS[1]) or '0') then return 0 end
if tonumber(redis.call('GET', KEYS[4]) or '0') > g0 then return 0 end
for i = 8, #ARGV do
  local c = redis.call('ZSCORE', KEYS[3], ARGV[i])
  if c and tonumber(c) > g0 then return 0 end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[7])
local keys = {}
for i = 8, #ARGV do keys[#keys + 1] = ARGV[i] end
local page = ARGV[1] .. e .. ':' .. ARGV[3]
redis.call('HSET', page, 'v', ARGV[6], 'k', table.concat(keys, ' '))
redis.call('PEXPIRE', page, ttl)
for _, key in ipairs(keys) do
  local set = ARGV[2] .. e .. ':' .. key
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
  redis.call('ZADD', set, now + ttl, ARGV[3])
  if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
end
return 1`,
  },
  /**
   * KEYS: generation, epoch, changed, floor. ARGV: channel, this node's id, the change (see Storage.noteWrite),
   * page prefix, key-set prefix, a new epoch, everything (1|0), how many keys `changed` keeps, then the keys.
   * Moves the generation, drops what the change names, and tells every node, in that order and at once, so the
   * messages carry consecutive generations and no store falls between the drop and the message. Everything: a
   * new epoch (the old one's pages and sets expire unread). Keys: each is marked changed at this generation, and
   * the pages of their sets are deleted with the sets. Past the cap, the oldest marks are forgotten and the floor
   * (the newest generation forgotten) refuses every store looked up before it. Returns the new generation.
   */
  annalistAnnounce: {
    numberOfKeys: 4,
    lua: `
local g = redis.call('INCR', KEYS[1])
if ARGV[7] == '1' then
  redis.call('SET', KEYS[2], ARGV[6])
elseif #ARGV > 8 then
  local e = redis.call('GET', KEYS[2]) or ''
  for i = 9, #ARGV do
    redis.call('ZADD', KEYS[3], g, ARGV[i])
    local set = ARGV[5] .. e .. ':' .. ARGV[i]
    for _, hash in ipairs(redis.call('ZRANGE', set, 0, -1)) do redis.call('UNLINK', ARGV[4] .. e .. ':' .. hash) end
    redis.call('UNLINK', set)
  end
  local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[8])
  if extra > 0 then
    local gone = redis.call('ZRANGE', KEYS[3], 0, extra - 1, 'WITHSCORES')
    redis.call('SET', KEYS[4], gone[#gone])
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1)
  end
end
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
  /** See SCRIPTS.annalistPageLookup: [generation, epoch, page?]. */
  annalistPageLookupBuffer(
    genKey: string,
    epochKey: string,
    pagePrefix: string,
    setPrefix: string,
    hash: string,
  ): Promise<[Buffer, Buffer, Buffer?]>;
  /** See SCRIPTS.annalistPageStore (four key names, seven arguments, then the page's keys). */
  annalistPageStore(...args: (string | number | Buffer)[]): Promise<number>;
  /** See SCRIPTS.annalistAnnounce (four key names, eight arguments, then the changed keys). */
  annalistAnnounce(...args: (string | number)[]): Promise<number>;
}

export function defineScripts(redis: Redis): ScriptedRedis {
  for (const [name, def] of Object.entries(SCRIPTS)) redis.defineCommand(name, def);
  return redis as ScriptedRedis;
}
