-- charge-payment: takes the order's total from the user's credit, once per saga.
-- Guarantees: the credit check runs before the write, so a refusal changes nothing; the credit
-- change, the step marker and the log entry are written together, so a redelivered message
-- returns the first outcome and never charges twice; a saga whose charge recovery aborted (before
-- it compensated the stock) can never be charged afterwards; a message that comes after its saga's
-- deadline plus the grace changes nothing. The marker has no expiry while the saga is open
-- (recovery's sweep removes it once no message can act on the saga any more).
-- KEYS[1] the saga's payment marker; KEYS[2] the payment log; KEYS[3] the user's key.
-- ARGV[1] the saga id; ARGV[2] the log's retention in ms; ARGV[3] the last moment (epoch ms) a
-- message of this saga may act; ARGV[4] the user id; ARGV[5] the amount; ARGV[6] who delivered it (for the log).
-- Returns {'done'} | {'aborted'} | {'expired'} | {'refused', 'missing'} | {'refused', 'short', credit}.
local marker = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if now > tonumber(ARGV[3]) then
  return {'expired'}
end
local state = redis.call('HGET', marker, 'charge')
if state == 'refused' then
  return {'refused', redis.call('HGET', marker, 'why'), redis.call('HGET', marker, 'credit')}
end
if state then
  return {state}
end
local retention = tonumber(ARGV[2])
local function settle(outcome, ...)
  redis.call('HSET', marker, 'charge', outcome, 'moved_at', now, ...)
  redis.call('XADD', KEYS[2], 'MINID', '~', now - retention, '*', 'step', 'charge-payment', 'saga', ARGV[1], 'user', ARGV[4],
    'outcome', outcome, 'by', ARGV[6], 't', now, ...)
end
local credit = redis.call('HGET', KEYS[3], 'credit')
if not credit then
  settle('refused', 'why', 'missing')
  return {'refused', 'missing'}
end
if tonumber(credit) < tonumber(ARGV[5]) then
  settle('refused', 'why', 'short', 'credit', credit)
  return {'refused', 'short', credit}
end
-- 0 - x, not -x: Lua's -0 reaches Redis as "-0", which HINCRBY refuses (an order may cost 0).
local after = redis.call('HINCRBY', KEYS[3], 'credit', 0 - tonumber(ARGV[5]))
settle('done', 'amount', ARGV[5], 'before', credit, 'after', after)
return {'done'}
