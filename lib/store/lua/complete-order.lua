-- complete-order: writes a saga's verdict on its order, once, and wakes whoever waits for it.
-- Guarantees: the first verdict stands (a redelivered or late message cannot change it); a paid
-- verdict marks the order paid in the same write, and is never written for an order that no longer
-- holds this saga (its `checkout` field: nothing replaces a held order, so this would be a bug,
-- and the saga stays open for everyone to see rather than claim a payment that marks nothing);
-- the saga leaves the open-saga index with its verdict, is logged, expires after the retention
-- window, and is listed for recovery's sweep, which removes its step markers in the other services
-- once no message can act on it. A message that comes after the saga's deadline plus the grace
-- changes nothing. When recovery completes, it passes its fencing token instead: a recovery that
-- lost its turn is refused before it writes anything.
-- KEYS[1] the order; KEYS[2] the saga; KEYS[3] the open-saga index; KEYS[4] the order log;
-- KEYS[5] the recovery fence; KEYS[6] the finished-saga index (for the sweep).
-- ARGV[1] the saga id; ARGV[2] 'paid' or 'refused'; ARGV[3] the refusal sentence; ARGV[4] the
-- channel; ARGV[5] the retention in ms; ARGV[6] the recovery token ('' for the saga step itself);
-- ARGV[7] the last moment (epoch ms) a message of this saga may act (ignored for recovery);
-- ARGV[8] who delivered it (for the log).
-- Returns {'done', verdict} | {'already', verdict} | {'unknown'} | {'fenced'} | {'expired'} | {'not-held'}.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if ARGV[6] ~= '' then
  local fence = tonumber(redis.call('GET', KEYS[5]) or '0')
  if tonumber(ARGV[6]) < fence then
    return {'fenced'}
  end
  redis.call('SET', KEYS[5], ARGV[6])
elseif now > tonumber(ARGV[7]) then
  return {'expired'}
end
local saga = redis.call('HMGET', KEYS[2], 'verdict', 'order_id')
if not saga[2] then
  return {'unknown'}
end
if saga[1] and saga[1] ~= '' then
  return {'already', saga[1]}
end
local held = redis.call('HGET', KEYS[1], 'checkout') == ARGV[1]
if ARGV[2] == 'paid' and not held then
  return {'not-held'}
end
local retention = tonumber(ARGV[5])
if held then
  if ARGV[2] == 'paid' then
    redis.call('HSET', KEYS[1], 'paid', '1', 'checkout', '')
  else
    redis.call('HSET', KEYS[1], 'checkout', '')
  end
end
redis.call('HSET', KEYS[2], 'verdict', ARGV[2], 'reason', ARGV[3], 'finished_at', now)
redis.call('PEXPIRE', KEYS[2], retention)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[6], now + retention, ARGV[1])
redis.call('XADD', KEYS[4], 'MINID', '~', now - retention, '*', 'step', 'complete-order', 'saga', ARGV[1],
  'order', saga[2], 'verdict', ARGV[2], 'recovery', ARGV[6], 'by', ARGV[8], 't', now)
redis.call('PUBLISH', ARGV[4], ARGV[2])
return {'done', ARGV[2]}
