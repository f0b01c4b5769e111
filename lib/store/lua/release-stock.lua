-- release-stock: gives back exactly what this saga's reservation took, once.
-- Guarantees: the quantities come from the reservation's own marker, not from the message, so
-- nothing is ever given back that was not taken; a second release changes nothing; a release that
-- arrives before its reservation records itself, and the reservation will then never take stock.
-- KEYS[1] the saga's stock marker; KEYS[2..n+1] the items' keys. ARGV[1..n] the item ids.
-- Returns {'released'} | {'nothing-taken'} | {'already'}.
local marker = KEYS[1]
if redis.call('HEXISTS', marker, 'release') == 1 then
  return {'already'}
end
redis.call('HSET', marker, 'release', 'done')
if redis.call('HGET', marker, 'reserve') ~= 'done' then
  return {'nothing-taken'}
end
for i = 1, #KEYS - 1 do
  local taken = redis.call('HGET', marker, 'taken:' .. ARGV[i])
  if taken then
    redis.call('HINCRBY', KEYS[i + 1], 'stock', taken)
  end
end
return {'released'}
