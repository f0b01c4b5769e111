-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/settle.lua
-- charge-payment: takes the order's total from the user's credit, once per saga.
-- Guarantees: the credit check runs before the write, so a refusal changes nothing; the credit
-- change, the step marker and the log entry are written together, so a redelivered message
-- returns the first outcome and never charges twice; a saga whose charge recovery aborted (before
-- it compensated the stock) can never be charged afterwards; a message that comes after its saga's
-- deadline plus the grace changes nothing. The marker has no expiry while the saga is open
-- (recovery's sweep removes it once no message can act on the saga any more). The marker records
-- the batch_init generation counter as the charge found it ('gen'): the order is stamped with it
-- once paid, so `npm run check` counts the charge only against the user's generation it came from.
-- KEY, ARG: declared in lib/store/saga-payment.ts (the saga's payment marker, the payment log, the
-- user, the batch_init generation counter; the saga id, the log's retention, the last moment a message of this saga may act, the
-- user id, the amount, who delivered it).
-- Returns {'done', generation} | {'aborted'} | {'expired'} | {'refused', 'missing'} | {'refused', 'short', credit}.
local now = clock_ms()
local refusal = refusal_of(nil, '', ARG.actUntil, now)
if refusal then
  return {refusal}
end
local state = redis.call('HGET', KEY.marker, 'charge')
if state == 'refused' then
  return {'refused', redis.call('HGET', KEY.marker, 'why'), redis.call('HGET', KEY.marker, 'credit')}
end
if state == 'done' then
  return {'done', redis.call('HGET', KEY.marker, 'gen') or '0'}
end
if state then
  return {state}
end
local step = {name = 'charge-payment', field = 'charge', marker = KEY.marker, log = KEY.log, retention_ms = ARG.retentionMs,
  now = now, saga = ARG.sagaId, entry = {'user', ARG.userId, 'by', ARG.by}}
local credit = redis.call('HGET', KEY.user, 'credit')
if not credit then
  settle(step, 'refused', 'why', 'missing')
  return {'refused', 'missing'}
end
if tonumber(credit) < tonumber(ARG.amount) then
  settle(step, 'refused', 'why', 'short', 'credit', credit)
  return {'refused', 'short', credit}
end
-- 0 - x, not -x: Lua's -0 reaches Redis as "-0", which HINCRBY refuses (an order may cost 0).
local after = redis.call('HINCRBY', KEY.user, 'credit', 0 - tonumber(ARG.amount))
local generation = redis.call('GET', KEY.generation) or '0'
settle(step, 'done', 'amount', ARG.amount, 'before', credit, 'after', after, 'gen', generation)
return {'done', generation}
