-- #include shared/clock.lua
-- #include shared/log.lua
-- begin-checkout: claims the order for one saga and records the saga, atomically.
-- Guarantees: at most one saga runs per order at a time (two concurrent checkouts can never both
-- start, so the order is never charged twice); a paid or empty order starts nothing; the saga is
-- listed as open and logged, with its start time from the Redis clock, before any message about
-- it exists.
-- KEY, ARG: declared in lib/store/saga-order.ts (the order, the saga, the open-saga index, the
-- order log; the saga id, how long (ms) the saga may run before recovery compensates it, the order
-- id, the log's retention in ms, the most distinct items a saga message can carry).
-- An order whose quantities of one item sum past 2^53-1 starts nothing: no step could take them;
-- nor one of more distinct items (ARG.maxItems) than one saga message can carry.
-- Returns {'started', user_id, items, total_cost, deadline_at} | {'running', saga id} | {'missing'} | {'paid'} |
-- {'empty'} | {'overflow'} | {'too-many-items'} | {'saga-exists'} (the saga id is taken: nothing is written).
if redis.call('EXISTS', KEY.saga) == 1 then
  return {'saga-exists'}
end
local order = redis.call('HMGET', KEY.order, 'user_id', 'paid', 'items', 'total_cost', 'checkout')
if not order[1] then
  return {'missing'}
end
if order[2] == '1' then
  return {'paid'}
end
if order[5] and order[5] ~= '' then
  return {'running', order[5]}
end
if order[3] == '' then
  return {'empty'}
end
local summed = {}
local distinct = 0
for item, quantity in string.gmatch(order[3], '([^ ,]+) (%d+)') do
  if not summed[item] then
    distinct = distinct + 1
  end
  summed[item] = (summed[item] or 0) + tonumber(quantity)
  if summed[item] > 9007199254740991 then
    return {'overflow'}
  end
end
if distinct > tonumber(ARG.maxItems) then
  return {'too-many-items'}
end
local now = clock_ms()
local deadline = now + tonumber(ARG.deadlineMs)
redis.call('HSET', KEY.order, 'checkout', ARG.sagaId)
redis.call('HSET', KEY.saga, 'order_id', ARG.orderId, 'user_id', order[1], 'items', order[3],
  'total_cost', order[4], 'started_at', now, 'deadline_at', deadline, 'verdict', '')
redis.call('ZADD', KEY.openSagas, now, ARG.sagaId)
append_log(KEY.log, ARG.retentionMs, now, {'step', 'begin-checkout', 'saga', ARG.sagaId, 'order', ARG.orderId, 'user', order[1],
  'total_cost', order[4]})
return {'started', order[1], order[3], order[4], string.format('%.0f', deadline)}
