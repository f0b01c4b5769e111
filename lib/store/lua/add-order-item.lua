-- Appends one line to an order and adds its cost, atomically.
-- Guarantees: a paid order, or one whose checkout is running, never changes; neither total_cost
-- nor the summed quantity of one item (what checkout takes) passes 2^53-1; nothing is written
-- unless every check passed.
-- KEYS[1] the order hash; ARGV[1] item id; ARGV[2] quantity; ARGV[3] the item's unit price.
-- Returns {'ok', new total} | {'missing'} | {'paid'} | {'checking-out'} | {'overflow'}.
local order = redis.call('HMGET', KEYS[1], 'paid', 'total_cost', 'items', 'checkout')
if not order[1] then
  return {'missing'}
end
if order[1] == '1' then
  return {'paid'}
end
if order[4] and order[4] ~= '' then
  return {'checking-out'}
end
local total = tonumber(order[2]) + tonumber(ARGV[2]) * tonumber(ARGV[3])
if total > 9007199254740991 then
  return {'overflow'}
end
-- Sums above 2^53 round in a double, but only upwards past the bound, so the comparison holds.
local quantity = tonumber(ARGV[2])
for item, earlier in string.gmatch(order[3] or '', '([^ ,]+) (%d+)') do
  if item == ARGV[1] then
    quantity = quantity + tonumber(earlier)
  end
end
if quantity > 9007199254740991 then
  return {'overflow'}
end
-- Below 2^53 the double is exact, and %.0f prints it without an exponent.
local written = string.format('%.0f', total)
local line = ARGV[1] .. ' ' .. ARGV[2]
local items = order[3]
if items == '' then items = line else items = items .. ',' .. line end
redis.call('HSET', KEYS[1], 'total_cost', written, 'items', items)
return {'ok', written}
