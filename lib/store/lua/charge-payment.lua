-- charge-payment: takes the order's total from the user's credit, once per saga.
-- Guarantees: the credit check runs before the write, so a refusal changes nothing; the credit
-- change and the step marker are written together, so a redelivered message returns the first
-- outcome and never charges twice; a saga whose charge was aborted (by recovery, before it
-- compensated the stock) can never be charged afterwards.
-- KEYS[1] the saga's payment marker; KEYS[2] the user's key. ARGV[1] the amount.
-- Returns {'done'} | {'aborted'} | {'refused', 'missing'} | {'refused', 'short', credit}.
local marker = KEYS[1]
local state = redis.call('HGET', marker, 'charge')
if state == 'refused' then
  return {'refused', redis.call('HGET', marker, 'why'), redis.call('HGET', marker, 'credit')}
end
if state then
  return {state}
end
local credit = redis.call('HGET', KEYS[2], 'credit')
if not credit then
  redis.call('HSET', marker, 'charge', 'refused', 'why', 'missing')
  return {'refused', 'missing'}
end
if tonumber(credit) < tonumber(ARGV[1]) then
  redis.call('HSET', marker, 'charge', 'refused', 'why', 'short', 'credit', credit)
  return {'refused', 'short', credit}
end
redis.call('HINCRBY', KEYS[2], 'credit', -tonumber(ARGV[1]))
redis.call('HSET', marker, 'charge', 'done', 'amount', ARGV[1])
return {'done'}
