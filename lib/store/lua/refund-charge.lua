-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/log.lua
-- refund-charge: recovery gives back the charge of a saga the order service does not know (its
-- begin-checkout's write was lost, its messages were not), once no message of it can act any more.
-- Guarantees: the amount comes from the charge's own marker, never from the caller, so nothing is
-- given back that was not taken; a second call changes nothing; afterwards the marker says
-- `aborted` (with `refunded`), so a late charge-payment can never take the money again and a
-- recovery that later finds the saga refuses it instead of completing it as paid. A saga never
-- charged is fenced the same way (`aborted`). No credit passes 2^53-1: what would not fit leaves
-- the user's `direct` baseline too and is logged as discarded, so the books still balance.
-- Nothing is given back into a user that a batch_init set afresh after the charge (their `gen` is
-- above the generation the charge recorded): the credit is what the batch_init set; the entry
-- says `superseded`.
-- A recovery that lost its turn (a newer one has written here since) is refused before it writes.
-- KEY, ARG: declared in lib/store/saga-payment.ts (the saga's payment marker, the payment log, the
-- recovery fence, the user the charge-payment entry named; the saga id, the log's retention in ms,
-- the recovery token, the user id).
-- The log entry names the credit before and after ('before', 'after') and the amount given back.
-- Returns {'refunded'} | {'nothing-charged'} | {'already'} | {'fenced'}.
if refusal_of(KEY.fence, ARG.token, nil, nil) then
  return {'fenced'}
end
local state = redis.call('HGET', KEY.marker, 'charge')
if state == 'aborted' then
  return {'already'}
end
if state == 'refused' then
  return {'nothing-charged'}
end
local now = clock_ms()
local fields = {'step', 'refund-charge', 'saga', ARG.sagaId, 'user', ARG.userId, 'recovery', ARG.token}
if state ~= 'done' then
  redis.call('HSET', KEY.marker, 'charge', 'aborted', 'moved_at', now)
  fields[#fields + 1] = 'outcome'
  fields[#fields + 1] = 'nothing-charged'
  append_log(KEY.log, ARG.retentionMs, now, fields)
  return {'nothing-charged'}
end
local amount = tonumber(redis.call('HGET', KEY.marker, 'amount') or '0')
local back = 0
local before = redis.call('HGET', KEY.user, 'credit')
local superseded = before and tonumber(redis.call('HGET', KEY.user, 'gen') or '0') > tonumber(redis.call('HGET', KEY.marker, 'gen') or '0')
if superseded then
  fields[#fields + 1] = 'superseded'
  fields[#fields + 1] = '1'
  amount = 0
elseif before then
  back = math.min(amount, 9007199254740991 - tonumber(before))
  local after = redis.call('HINCRBY', KEY.user, 'credit', back)
  if back < amount then
    redis.call('HINCRBY', KEY.user, 'direct', back - amount)
  end
  for _, value in ipairs({'before', before, 'after', string.format('%.0f', after)}) do
    fields[#fields + 1] = value
  end
end
redis.call('HSET', KEY.marker, 'charge', 'aborted', 'refunded', string.format('%.0f', back), 'moved_at', now)
for _, value in ipairs({'outcome', 'refunded', 'amount', string.format('%.0f', back), 'discarded', string.format('%.0f', amount - back)}) do
  fields[#fields + 1] = value
end
append_log(KEY.log, ARG.retentionMs, now, fields)
return {'refunded'}
