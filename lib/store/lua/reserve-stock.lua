-- reserve-stock: takes every item's quantity, or none of them, once per saga.
-- Guarantees: all checks run before any write, so a refusal changes no stock; the stock change, the
-- step marker and the log entry are written together, so a redelivered message returns the first
-- outcome without taking stock twice; a release that ran first (compensation before its step)
-- fences the reservation off for good; a message that comes after its saga's deadline plus the
-- grace changes nothing (recovery owns the saga by then). The marker has no expiry: it lives while
-- the saga is open, and recovery's sweep removes it once no message can act on the saga any more.
-- KEYS[1] the saga's stock marker; KEYS[2] the stock log; KEYS[3..n+2] the items' keys.
-- ARGV[1] the saga id; ARGV[2] the log's retention in ms; ARGV[3] the last moment (epoch ms) a
-- message of this saga may act; ARGV[4] who delivered it (for the log); ARGV[5..n+4] the item ids;
-- ARGV[n+5..2n+4] the quantities (summed per item).
-- The log entry of a reservation names each item's stock before and after ('balances': "item before after,...").
-- Returns {'done'} | {'cancelled'} | {'expired'} | {'refused', 'missing', item} | {'refused', 'short', item, stock}.
local marker = KEYS[1]
local n = #KEYS - 2
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if now > tonumber(ARGV[3]) then
  return {'expired'}
end
local state = redis.call('HGET', marker, 'reserve')
if state == 'refused' then
  return {'refused', redis.call('HGET', marker, 'why'), redis.call('HGET', marker, 'item'), redis.call('HGET', marker, 'stock')}
end
if state then
  return {state}
end
local retention = tonumber(ARGV[2])
local function settle(outcome, ...)
  redis.call('HSET', marker, 'reserve', outcome, 'moved_at', now, ...)
  redis.call('XADD', KEYS[2], 'MINID', '~', now - retention, '*', 'step', 'reserve-stock', 'saga', ARGV[1], 'outcome', outcome, 'by', ARGV[4], 't', now, ...)
end
if redis.call('HEXISTS', marker, 'release') == 1 then
  settle('cancelled')
  return {'cancelled'}
end
for i = 1, n do
  local stock = redis.call('HGET', KEYS[i + 2], 'stock')
  if not stock then
    settle('refused', 'why', 'missing', 'item', ARGV[i + 4])
    return {'refused', 'missing', ARGV[i + 4]}
  end
  if tonumber(stock) < tonumber(ARGV[n + i + 4]) then
    settle('refused', 'why', 'short', 'item', ARGV[i + 4], 'stock', stock)
    return {'refused', 'short', ARGV[i + 4], stock}
  end
end
local taken = {}
local balances = {}
for i = 1, n do
  local before = redis.call('HGET', KEYS[i + 2], 'stock')
  local after = redis.call('HINCRBY', KEYS[i + 2], 'stock', 0 - tonumber(ARGV[n + i + 4]))
  redis.call('HSET', marker, 'taken:' .. ARGV[i + 4], ARGV[n + i + 4])
  taken[i] = ARGV[i + 4] .. ' ' .. ARGV[n + i + 4]
  -- %.0f: `..` would print a number with 14 significant digits (9.007199254741e+15).
  balances[i] = ARGV[i + 4] .. ' ' .. before .. ' ' .. string.format('%.0f', after)
end
settle('done', 'lines', table.concat(taken, ','), 'balances', table.concat(balances, ','))
return {'done'}
