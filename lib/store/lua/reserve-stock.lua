-- reserve-stock: takes every item's quantity, or none of them, once per saga.
-- Guarantees: all checks run before any write, so a refusal changes no stock; the stock change and
-- the step marker are written together, so a redelivered message returns the first outcome
-- without taking stock twice; a release that ran first (compensation before its step) fences the
-- reservation off for good.
-- KEYS[1] the saga's stock marker; KEYS[2..n+1] the items' keys.
-- ARGV[1..n] the item ids; ARGV[n+1..2n] the quantities (summed per item).
-- Returns {'done'} | {'cancelled'} | {'refused', 'missing', item} | {'refused', 'short', item, stock}.
local marker = KEYS[1]
local n = #KEYS - 1
local state = redis.call('HGET', marker, 'reserve')
if state == 'refused' then
  return {'refused', redis.call('HGET', marker, 'why'), redis.call('HGET', marker, 'item'), redis.call('HGET', marker, 'stock')}
end
if state then
  return {state}
end
if redis.call('HEXISTS', marker, 'release') == 1 then
  redis.call('HSET', marker, 'reserve', 'cancelled')
  return {'cancelled'}
end
for i = 1, n do
  local stock = redis.call('HGET', KEYS[i + 1], 'stock')
  if not stock then
    redis.call('HSET', marker, 'reserve', 'refused', 'why', 'missing', 'item', ARGV[i])
    return {'refused', 'missing', ARGV[i]}
  end
  if tonumber(stock) < tonumber(ARGV[n + i]) then
    redis.call('HSET', marker, 'reserve', 'refused', 'why', 'short', 'item', ARGV[i], 'stock', stock)
    return {'refused', 'short', ARGV[i], stock}
  end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[i + 1], 'stock', -tonumber(ARGV[n + i]))
  redis.call('HSET', marker, 'taken:' .. ARGV[i], ARGV[n + i])
end
redis.call('HSET', marker, 'reserve', 'done')
return {'done'}
