// Lua for the endpoint gate: each read-then-write on an endpoint's shared state runs as one script,
// so every worker process sees the same breaker. Times come from Redis' TIME, the one clock all
// workers share.
// Layout, under the queue prefix: `endpoint:<id>:breaker`, the breaker state as JSON (absent =
// closed, no failures); `endpoint:<id>:parked`, the deliveries waiting for its circuit to close
// (woken when it does); `endpoint:<id>:probe-alarm`, the time the one delivery that will probe next
// is due.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** KEYS: breaker. Returns {now, breaker JSON or false}. */
const READ = `
${NOW}
return {now, redis.call('GET', KEYS[1])}
`;

/** KEYS: breaker. ARGV: expected JSON ('' = absent), new JSON ('' = delete), ttlMs. 1 if swapped. */
const SWAP = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
end
return 1
`;

/** KEYS: parked, probe alarm. ARGV: delivery id, ttlMs, the time the circuit may next be tried.
 * Returns 1 when this delivery is the first to park for that time: it will wake then and probe. */
const PARK = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
if redis.call('GET', KEYS[2]) == ARGV[3] then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', tonumber(ARGV[2]))
return 1
`;

/** KEYS: parked. Returns the parked delivery ids and forgets them. */
const TAKE_PARKED = `
local ids = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return ids
`;

/** KEYS: breaker, probe alarm. The endpoint changed (new URL, re-enabled, disabled): start afresh. */
const RESET = `
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

type Script = { lua: string; sha: string };
const script = (lua: string): Script => ({ lua, sha: createHash("sha1").update(lua).digest("hex") });

export const GATE_SCRIPTS = {
  read: script(READ),
  swap: script(SWAP),
  park: script(PARK),
  takeParked: script(TAKE_PARKED),
  reset: script(RESET),
};

/** Runs a script by its hash, loading it on a Redis that does not know it (first use, restart). */
export async function runScript(
  redis: Redis,
  which: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(which.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
    return redis.eval(which.lua, keys.length, ...keys, ...args);
  }
}
