-- release-stock: gives back exactly what this saga's reservation took, once.
-- Guarantees: the quantities come from the reservation's own marker, not from the message, so
-- nothing is ever given back that was not taken; a second release changes nothing; a release that
-- arrives before its reservation records itself, and the reservation will then never take stock.
-- When recovery releases, it passes its fencing token: a recovery that lost its turn (a newer one
-- has written here since) is refused before it writes anything.
-- KEYS[1] the saga's stock marker; KEYS[2] the stock log; KEYS[3] the recovery fence;
-- KEYS[4..n+3] the items' keys. ARGV[1] the saga id; ARGV[2] the retention in ms;
-- ARGV[3] the recovery token ('' for the saga step itself); ARGV[4..n+3] the item ids.
-- Returns {'released'} | {'nothing-taken'} | {'already'} | {'fenced'}.
local marker = KEYS[1]
if ARGV[3] ~= '' then
  local fence = tonumber(redis.call('GET', KEYS[3]) or '0')
  if tonumber(ARGV[3]) < fence then
    return {'fenced'}
  end
  redis.call('SET', KEYS[3], ARGV[3])
end
if redis.call('HEXISTS', marker, 'release') == 1 then
  return {'already'}
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local retention = tonumber(ARGV[2])
local outcome = 'nothing-taken'
if redis.call('HGET', marker, 'reserve') == 'done' then
  outcome = 'released'
  for i = 1, #KEYS - 3 do
    local taken = redis.call('HGET', marker, 'taken:' .. ARGV[i + 3])
    if taken then
      redis.call('HINCRBY', KEYS[i + 3], 'stock', taken)
    end
  end
end
redis.call('HSET', marker, 'release', 'done', 'moved_at', now)
redis.call('PEXPIRE', marker, retention)
redis.call('XADD', KEYS[2], 'MINID', '~', now - retention, '*', 'step', 'release-stock', 'saga', ARGV[1], 'outcome', outcome,
  'recovery', ARGV[3], 't', now)
return {outcome}
