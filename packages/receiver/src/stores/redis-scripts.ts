// Lua for the Redis store: each step that reads then writes a record runs as one script, so it is
// atomic. Times come from the server's TIME, the clock every receiver process shares.
// Layout: `<prefix>event:<id>` hash (state, attempts, token, lease, lastError, event) and
// `<prefix>leases`, a sorted set of in-progress ids scored by lease expiry (ms).

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

const OWNED = `
if redis.call('HGET', KEYS[1], 'state') ~= 'in-progress' or redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then
  return -1
end
`;

/** KEYS: record, leases. ARGV: id, token, leaseMs, event JSON. 1 if claimed, 0 if known. */
export const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
${NOW}
local expires = string.format('%d', now + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'state', 'in-progress', 'attempts', 0, 'token', ARGV[2], 'lease', expires, 'event', ARGV[4])
redis.call('ZADD', KEYS[2], expires, ARGV[1])
return 1
`;

/** KEYS: record, leases. ARGV: id, token, leaseMs, "1" to count an attempt. -1 if the lease is lost. */
export const RENEW = `
${OWNED}
${NOW}
local expires = string.format('%d', now + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'lease', expires)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
if ARGV[4] == '1' then return redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
return 0
`;

/** KEYS: record, leases. ARGV: id, token, final state, error, retention ms (0 = keep). -1 if lost. */
export const FINISH = `
${OWNED}
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'lastError', ARGV[4])
redis.call('HDEL', KEYS[1], 'token', 'lease')
redis.call('ZREM', KEYS[2], ARGV[1])
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 1
`;

/**
 * KEYS: leases. ARGV: record key prefix, leaseMs, then one fresh token per record to take.
 * Returns id, token, attempts, event JSON for each record taken, flattened.
 */
export const CLAIM_STALE = `
${NOW}
local limit = #ARGV - 2
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now), 'LIMIT', 0, limit)
local taken = {}
for i, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if redis.call('HGET', key, 'state') == 'in-progress' then
    local expires = string.format('%d', now + tonumber(ARGV[2]))
    redis.call('HSET', key, 'token', ARGV[i + 2], 'lease', expires)
    redis.call('ZADD', KEYS[1], expires, id)
    table.insert(taken, id)
    table.insert(taken, ARGV[i + 2])
    table.insert(taken, redis.call('HGET', key, 'attempts'))
    table.insert(taken, redis.call('HGET', key, 'event'))
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return taken
`;
