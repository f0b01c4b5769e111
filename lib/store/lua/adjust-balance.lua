-- Adds a signed delta to one balance field (stock or credit) of an existing hash, atomically, and
-- logs it. Guarantees: the balance never goes below 0, and neither it nor its `direct` baseline
-- above 2^53-1, and nothing is written
-- unless every check passed (a missing key, a shortfall or an overflow leaves the hash and the log
-- exactly as they were). The hash's `direct` field moves with the balance: it is the balance the
-- entity would have without checkouts (initial value + direct changes), which `npm run check`
-- balances against the paid orders. The log entry carries before/after and the Redis clock.
-- KEYS[1] the hash; KEYS[2] the service's log stream.
-- ARGV[1] the field; ARGV[2] the signed delta; ARGV[3] the step name; ARGV[4] the entity id;
-- ARGV[5] the log's retention in ms.
-- Returns {'ok', new value} | {'missing'} | {'insufficient', current} | {'overflow', current}.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  return {'missing'}
end
local after = tonumber(current) + tonumber(ARGV[2])
if after < 0 then
  return {'insufficient', current}
end
-- `direct` runs ahead of the balance by what running sagas hold: it must stay exact too.
local direct = tonumber(redis.call('HGET', KEYS[1], 'direct') or '0')
if after > 9007199254740991 or direct + tonumber(ARGV[2]) > 9007199254740991 then
  return {'overflow', current}
end
local value = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'direct', ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('XADD', KEYS[2], 'MINID', '~', now - tonumber(ARGV[5]), '*',
  'step', ARGV[3], 'id', ARGV[4], 'delta', ARGV[2], 'before', current, 'after', value, 't', now)
return {'ok', value}
