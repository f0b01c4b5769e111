-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/log.lua
-- release-stock: gives back exactly what this saga's reservation took, once.
-- Guarantees: the quantities come from the reservation's own marker, not from the message, so
-- nothing is ever given back that was not taken; a second release changes nothing; a release that
-- arrives before its reservation records itself, and the reservation will then never take stock.
-- No stock passes 2^53-1: what would not fit (stock added directly while the saga held some) is
-- logged as discarded and leaves the item's `direct` baseline too, so the books still balance.
-- Nothing is given back into an item that a batch_init set afresh after the reservation took from
-- it (its `gen` is above the generation the reservation recorded): the item's stock is what the
-- batch_init set; the item is logged as superseded.
-- A release message that comes after its saga's deadline plus the grace changes nothing (recovery
-- owns the saga by then). When recovery releases, it passes its fencing token instead: a recovery
-- that lost its turn (a newer one has written here since) is refused before it writes anything.
-- KEY, ARG, EACH: declared in lib/store/saga-stock.ts (the saga's stock marker, the stock log, the
-- recovery fence; the saga id, the log's retention, the recovery token ('' for the saga step
-- itself), the last moment a message of this saga may act, who delivered it; per item its key and id).
-- The log entry names each item's stock before and after ('balances': "item before after,...").
-- The log entry names each item's stock before and after ('balances'), and the superseded items.
-- Returns {'released'} | {'nothing-taken'} | {'already'} | {'fenced'} | {'expired'}.
local now = clock_ms()
local refusal = refusal_of(KEY.fence, ARG.token, ARG.actUntil, now)
if refusal then
  return {refusal}
end
if redis.call('HEXISTS', KEY.marker, 'release') == 1 then
  return {'already'}
end
local outcome = 'nothing-taken'
local discarded = {}
local balances = {}
local superseded = {}
if redis.call('HGET', KEY.marker, 'reserve') == 'done' then
  outcome = 'released'
  local took_in = tonumber(redis.call('HGET', KEY.marker, 'gen') or '0')
  for _, line in ipairs(EACH) do
    local taken = tonumber(redis.call('HGET', KEY.marker, 'taken:' .. line.itemId) or '0')
    if taken > 0 and tonumber(redis.call('HGET', line.item, 'gen') or '0') > took_in then
      superseded[#superseded + 1] = line.itemId
    elseif taken > 0 then
      local before = tonumber(redis.call('HGET', line.item, 'stock') or '0')
      local back = math.min(taken, 9007199254740991 - before)
      local after = redis.call('HINCRBY', line.item, 'stock', back)
      balances[#balances + 1] = line.itemId .. ' ' .. string.format('%.0f', before) .. ' ' .. string.format('%.0f', after)
      if back < taken then
        redis.call('HINCRBY', line.item, 'direct', back - taken)
        discarded[#discarded + 1] = line.itemId .. ' ' .. string.format('%.0f', taken - back)
      end
    end
  end
end
redis.call('HSET', KEY.marker, 'release', 'done', 'moved_at', now)
append_log(KEY.log, ARG.retentionMs, now, {'step', 'release-stock', 'saga', ARG.sagaId, 'outcome', outcome, 'recovery', ARG.token,
  'by', ARG.by, 'balances', table.concat(balances, ','), 'discarded', table.concat(discarded, ','), 'superseded', table.concat(superseded, ',')})
return {outcome}
