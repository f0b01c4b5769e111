-- Appends one line to an order and adds its cost, atomically.
-- Guarantees: a paid order, or one whose checkout is running, never changes; neither total_cost
-- nor the summed quantity of one item (what checkout takes) passes 2^53-1; the order never holds
-- more distinct items than one saga message can carry (ARG.maxItems); nothing is written unless
-- every check passed.
-- KEY, ARG: declared in lib/store/order-store.ts (the order; the item id, the quantity, the item's
-- unit price, the most distinct items an order may hold).
-- Returns {'ok', new total} | {'missing'} | {'paid'} | {'checking-out'} | {'overflow'} | {'too-many-items'}.
local order = redis.call('HMGET', KEY.order, 'paid', 'total_cost', 'items', 'checkout')
if not order[1] then
  return {'missing'}
end
if order[1] == '1' then
  return {'paid'}
end
if order[4] and order[4] ~= '' then
  return {'checking-out'}
end
local total = tonumber(order[2]) + tonumber(ARG.quantity) * tonumber(ARG.price)
if total > 9007199254740991 then
  return {'overflow'}
end
-- Sums above 2^53 round in a double, but only upwards past the bound, so the comparison holds.
local quantity = tonumber(ARG.quantity)
local distinct = {[ARG.itemId] = true}
local distinct_count = 1
for item, earlier in string.gmatch(order[3] or '', '([^ ,]+) (%d+)') do
  if item == ARG.itemId then
    quantity = quantity + tonumber(earlier)
  elseif not distinct[item] then
    distinct[item] = true
    distinct_count = distinct_count + 1
  end
end
if quantity > 9007199254740991 then
  return {'overflow'}
end
if distinct_count > tonumber(ARG.maxItems) then
  return {'too-many-items'}
end
-- Below 2^53 the double is exact, and %.0f prints it without an exponent.
local written = string.format('%.0f', total)
local line = ARG.itemId .. ' ' .. ARG.quantity
local items = order[3]
if items == '' then items = line else items = items .. ',' .. line end
redis.call('HSET', KEY.order, 'total_cost', written, 'items', items)
return {'ok', written}
