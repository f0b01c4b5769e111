-- release-stock: gives back exactly what this saga's reservation took, once.
-- Guarantees: the quantities come from the reservation's own marker, not from the message, so
-- nothing is ever given back that was not taken; a second release changes nothing; a release that
-- arrives before its reservation records itself, and the reservation will then never take stock.
-- No stock passes 2^53-1: what would not fit (stock added directly while the saga held some) is
-- logged as discarded and leaves the item's `direct` baseline too, so the books still balance.
-- A release message that comes after its saga's deadline plus the grace changes nothing (recovery
-- owns the saga by then). When recovery releases, it passes its fencing token instead: a recovery
-- that lost its turn (a newer one has written here since) is refused before it writes anything.
-- KEYS[1] the saga's stock marker; KEYS[2] the stock log; KEYS[3] the recovery fence;
-- KEYS[4..n+3] the items' keys. ARGV[1] the saga id; ARGV[2] the log's retention in ms;
-- ARGV[3] the recovery token ('' for the saga step itself); ARGV[4] the last moment (epoch ms) a
-- message of this saga may act (ignored for recovery); ARGV[5] who delivered it (for the log);
-- ARGV[6..n+5] the item ids.
-- The log entry names each item's stock before and after ('balances': "item before after,...").
-- Returns {'released'} | {'nothing-taken'} | {'already'} | {'fenced'} | {'expired'}.
local marker = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if ARGV[3] ~= '' then
  local fence = tonumber(redis.call('GET', KEYS[3]) or '0')
  if tonumber(ARGV[3]) < fence then
    return {'fenced'}
  end
  redis.call('SET', KEYS[3], ARGV[3])
elseif now > tonumber(ARGV[4]) then
  return {'expired'}
end
if redis.call('HEXISTS', marker, 'release') == 1 then
  return {'already'}
end
local retention = tonumber(ARGV[2])
local outcome = 'nothing-taken'
local discarded = {}
local balances = {}
if redis.call('HGET', marker, 'reserve') == 'done' then
  outcome = 'released'
  for i = 1, #KEYS - 3 do
    local item = ARGV[i + 5]
    local taken = tonumber(redis.call('HGET', marker, 'taken:' .. item) or '0')
    if taken > 0 then
      local before = tonumber(redis.call('HGET', KEYS[i + 3], 'stock') or '0')
      local back = math.min(taken, 9007199254740991 - before)
      local after = redis.call('HINCRBY', KEYS[i + 3], 'stock', back)
      balances[#balances + 1] = item .. ' ' .. string.format('%.0f', before) .. ' ' .. string.format('%.0f', after)
      if back < taken then
        redis.call('HINCRBY', KEYS[i + 3], 'direct', back - taken)
        discarded[#discarded + 1] = item .. ' ' .. string.format('%.0f', taken - back)
      end
    end
  end
end
redis.call('HSET', marker, 'release', 'done', 'moved_at', now)
redis.call('XADD', KEYS[2], 'MINID', '~', now - retention, '*', 'step', 'release-stock', 'saga', ARGV[1], 'outcome', outcome,
  'recovery', ARGV[3], 'by', ARGV[5], 'balances', table.concat(balances, ','), 'discarded', table.concat(discarded, ','), 't', now)
return {outcome}
