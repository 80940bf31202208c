/**
 * The Lua scripts of the coordinator. Each runs atomically in Redis and reads the clock with
 * Redis' own `TIME`, so every process on the IP judges the window by ONE clock (no skew
 * between hosts). Every script returns `now` (Redis ms) last, which the caller uses to map
 * Redis time onto its own clock. Loaded by EVALSHA, and by EVAL when Redis answers NOSCRIPT
 * (after a restart).
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, body: string): Script {
  const source = `local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Connection attempt. KEYS: grants (zset: member per attempt, score = Redis ms), pause key.
 * ARGV: windowMs, effectiveLimit, minIntervalMs, tailSpreadMs, member.
 * → {granted 0|1, waitMs, usedInWindow, pausedUntil, now}
 * The same rules as the in-process ConnectionBudget: pause, hard cap, pacing gap
 * max(minIntervalMs, tailSpreadMs / (remaining × (remaining + 1))) after the last grant of ANY process.
 */
export const DIAL = script(
  'dial',
  `local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now, 0, paused, now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used >= limit then
  local o = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
  return {0, math.max(1, tonumber(o[2]) + window - now + 1), used, 0, now}
end
local remaining = limit - used
local gap = math.max(tonumber(ARGV[3]), tonumber(ARGV[4]) / (remaining * (remaining + 1)))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] ~= nil then
  local at = tonumber(last[2]) + gap
  if at > now then return {0, math.max(1, math.ceil(at - now)), used, 0, now} end
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window + 1000)
return {1, 0, used + 1, 0, now}`,
);

/**
 * REST weight. KEYS: holds (zset: member "<id>:<weight>", score = Redis ms of the grant or of
 * its answer), pause key. ARGV: windowMs, effectiveLimit, weight, member.
 * → {granted 0|1, waitMs, usedWeight, pausedUntil, now}. A request heavier than the whole
 * budget goes when nothing is held (as in-process).
 */
export const WEIGHT = script(
  'weight',
  `local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local w = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, paused - now, 0, paused, now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local e = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #e, 2 do used = used + tonumber(string.match(e[i], ':(%d+)$') or '0') end
if used + w <= limit or used == 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return {1, 0, used + w, 0, now}
end
local freed = 0
for i = 1, #e, 2 do
  freed = freed + tonumber(string.match(e[i], ':(%d+)$') or '0')
  if used - freed + w <= limit then return {0, math.max(1, tonumber(e[i + 1]) + window - now + 1), used, 0, now} end
end
return {0, window, used, 0, now}`,
);

/**
 * The server said more weight is used than we count (other clients on the IP, not using Redis):
 * add the difference as one hold. KEYS: holds. ARGV: windowMs, serverUsed, member prefix.
 * → {usedWeight, now}
 */
export const RAISE = script(
  'raise',
  `local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local e = redis.call('ZRANGE', KEYS[1], 0, -1)
local used = 0
for i = 1, #e do used = used + tonumber(string.match(e[i], ':(%d+)$') or '0') end
local server = tonumber(ARGV[2])
if server > used then
  redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. (server - used))
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  used = server
end
return {used, now}`,
);

/**
 * A 429/418: pause everyone for pauseMs (a longer pause in force stays) and tell every process.
 * KEYS: pause key. ARGV: pauseMs, channel, message prefix. → {pausedUntil, now}
 */
export const PAUSE = script(
  'pause',
  `local untilMs = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > cur then
  redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]) + 1000)
  cur = untilMs
end
redis.call('PUBLISH', ARGV[2], ARGV[3] .. ':' .. cur)
return {cur, now}`,
);

/**
 * Take or refresh leases: for each KEYS[i], member ARGV[1] expires at now + ARGV[2].
 * → {now}
 */
export const HOLD = script(
  'hold',
  `local ttl = tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ttl * 2)
end
return {now}`,
);

/**
 * Leave a lease: remove ARGV[1] and every holder whose heartbeat lapsed; count who is left
 * (0: the caller was the last). KEYS: lease key. → {holdersLeft, now}
 */
export const RELEASE = script(
  'release',
  `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if n == 0 then redis.call('DEL', KEYS[1]) end
return {n, now}`,
);

/** Live holders of a lease key. KEYS: key. → {holders, now} */
export const COUNT = script(
  'count',
  `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return {redis.call('ZCARD', KEYS[1]), now}`,
);
