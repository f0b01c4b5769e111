-- begin-checkout: claims the order for one saga and records the saga, atomically.
-- Guarantees: at most one saga runs per order at a time (two concurrent checkouts can never both
-- start, so the order is never charged twice); a paid or empty order starts nothing; the saga is
-- listed as open and logged, with its start time from the Redis clock, before any message about
-- it exists.
-- KEYS[1] the order; KEYS[2] the saga; KEYS[3] the open-saga index; KEYS[4] the order log.
-- ARGV[1] the saga id; ARGV[2] how long (ms) the saga may run before recovery compensates it;
-- ARGV[3] the order id; ARGV[4] the log's retention in ms.
-- An order whose quantities of one item sum past 2^53-1 starts nothing: no step could take them.
-- Returns {'started', user_id, items, total_cost, deadline_at} | {'running', saga id} | {'missing'} | {'paid'} |
-- {'empty'} | {'overflow'} | {'saga-exists'} (the saga id is taken: nothing is written).
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'saga-exists'}
end
local order = redis.call('HMGET', KEYS[1], 'user_id', 'paid', 'items', 'total_cost', 'checkout')
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
for item, quantity in string.gmatch(order[3], '([^ ,]+) (%d+)') do
  summed[item] = (summed[item] or 0) + tonumber(quantity)
  if summed[item] > 9007199254740991 then
    return {'overflow'}
  end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('HSET', KEYS[1], 'checkout', ARGV[1])
redis.call('HSET', KEYS[2], 'order_id', ARGV[3], 'user_id', order[1], 'items', order[3],
  'total_cost', order[4], 'started_at', now, 'deadline_at', now + tonumber(ARGV[2]), 'verdict', '')
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('XADD', KEYS[4], 'MINID', '~', now - tonumber(ARGV[4]), '*', 'step', 'begin-checkout', 'saga', ARGV[1],
  'order', ARGV[3], 'user', order[1], 'total_cost', order[4], 't', now)
return {'started', order[1], order[3], order[4], string.format('%.0f', now + tonumber(ARGV[2]))}
