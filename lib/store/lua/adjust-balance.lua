-- #include shared/clock.lua
-- #include shared/log.lua
-- Adds a signed delta to one balance field (stock or credit) of an existing hash, atomically, and
-- logs it. Guarantees: the balance never goes below 0, and neither it nor its `direct` baseline
-- above 2^53-1, and nothing is written
-- unless every check passed (a missing key, a shortfall or an overflow leaves the hash and the log
-- exactly as they were). The hash's `direct` field moves with the balance: it is the balance the
-- entity would have without checkouts (initial value + direct changes), which `npm run check`
-- balances against the paid orders. The log entry carries before/after and the Redis clock.
-- KEY, ARG: declared in lib/store/balance.ts (the hash, the service's log; the field, the signed
-- delta, the step name, the entity id, the log's retention in ms).
-- Returns {'ok', new value} | {'missing'} | {'insufficient', current} | {'overflow', current}.
local current = redis.call('HGET', KEY.entity, ARG.field)
if not current then
  return {'missing'}
end
local after = tonumber(current) + tonumber(ARG.delta)
if after < 0 then
  return {'insufficient', current}
end
-- `direct` runs ahead of the balance by what running sagas hold: it must stay exact too.
local direct = tonumber(redis.call('HGET', KEY.entity, 'direct') or '0')
if after > 9007199254740991 or direct + tonumber(ARG.delta) > 9007199254740991 then
  return {'overflow', current}
end
local value = redis.call('HINCRBY', KEY.entity, ARG.field, ARG.delta)
redis.call('HINCRBY', KEY.entity, 'direct', ARG.delta)
append_log(KEY.log, ARG.retentionMs, clock_ms(), {'step', ARG.step, 'id', ARG.id, 'delta', ARG.delta, 'before', current, 'after', value})
return {'ok', value}
