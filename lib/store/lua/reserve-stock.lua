-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/settle.lua
-- reserve-stock: takes every item's quantity, or none of them, once per saga.
-- Guarantees: all checks run before any write, so a refusal changes no stock; the stock change, the
-- step marker and the log entry are written together, so a redelivered message returns the first
-- outcome without taking stock twice; a release that ran first (compensation before its step)
-- fences the reservation off for good; a message that comes after its saga's deadline plus the
-- grace changes nothing (recovery owns the saga by then). The marker has no expiry: it lives while
-- the saga is open, and recovery's sweep removes it once no message can act on the saga any more.
-- The marker records the batch_init generation counter as the reservation found it ('gen'): an
-- item set afresh by a batch_init after that has a higher `gen`, and release-stock gives nothing
-- back into it; the order is stamped with it once paid, for `npm run check`.
-- KEY, ARG, EACH: declared in lib/store/saga-stock.ts (the saga's stock marker, the stock log, the
-- batch_init generation counter; the
-- saga id, the log's retention, the last moment a message of this saga may act, who delivered it;
-- per item its key, its id and its quantity, summed per item).
-- The log entry of a reservation names each item's stock before and after ('balances': "item before after,...").
-- Returns {'done', generation} | {'cancelled'} | {'expired'} | {'refused', 'missing', item} | {'refused', 'short', item, stock}.
local now = clock_ms()
local refusal = refusal_of(nil, '', ARG.actUntil, now)
if refusal then
  return {refusal}
end
local state = redis.call('HGET', KEY.marker, 'reserve')
if state == 'refused' then
  return {'refused', redis.call('HGET', KEY.marker, 'why'), redis.call('HGET', KEY.marker, 'item'), redis.call('HGET', KEY.marker, 'stock')}
end
if state == 'done' then
  return {'done', redis.call('HGET', KEY.marker, 'gen') or '0'}
end
if state then
  return {state}
end
local step = {name = 'reserve-stock', field = 'reserve', marker = KEY.marker, log = KEY.log, retention_ms = ARG.retentionMs,
  now = now, saga = ARG.sagaId, entry = {'by', ARG.by}}
if redis.call('HEXISTS', KEY.marker, 'release') == 1 then
  settle(step, 'cancelled')
  return {'cancelled'}
end
for _, line in ipairs(EACH) do
  local stock = redis.call('HGET', line.item, 'stock')
  if not stock then
    settle(step, 'refused', 'why', 'missing', 'item', line.itemId)
    return {'refused', 'missing', line.itemId}
  end
  if tonumber(stock) < tonumber(line.quantity) then
    settle(step, 'refused', 'why', 'short', 'item', line.itemId, 'stock', stock)
    return {'refused', 'short', line.itemId, stock}
  end
end
local taken = {}
local balances = {}
for i, line in ipairs(EACH) do
  local before = redis.call('HGET', line.item, 'stock')
  local after = redis.call('HINCRBY', line.item, 'stock', 0 - tonumber(line.quantity))
  redis.call('HSET', KEY.marker, 'taken:' .. line.itemId, line.quantity)
  taken[i] = line.itemId .. ' ' .. line.quantity
  -- %.0f: `..` would print a number with 14 significant digits (9.007199254741e+15).
  balances[i] = line.itemId .. ' ' .. before .. ' ' .. string.format('%.0f', after)
end
local generation = redis.call('GET', KEY.generation) or '0'
settle(step, 'done', 'lines', table.concat(taken, ','), 'balances', table.concat(balances, ','), 'gen', generation)
return {'done', generation}
