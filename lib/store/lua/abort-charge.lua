-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/settle.lua
-- abort-charge: recovery's fence before it compensates a saga past its deadline.
-- Guarantees: if the saga was not charged, it never will be (charge-payment sees 'aborted'); if it
-- was, the answer says so and recovery rolls forward instead. The marker has no expiry while the
-- saga is open (recovery's sweep removes it). A recovery that lost its turn (a
-- newer one has written here since) is refused before it writes anything.
-- KEY, ARG: declared in lib/store/saga-payment.ts (the saga's payment marker, the payment log, the
-- recovery fence; the saga id, the log's retention in ms, the recovery token).
-- Returns {'aborted'} | {'done'} | {'refused'} | {'fenced'}: the charge's state after the call.
if refusal_of(KEY.fence, ARG.token, nil, nil) then
  return {'fenced'}
end
local state = redis.call('HGET', KEY.marker, 'charge')
if state then
  return {state}
end
settle({name = 'abort-charge', field = 'charge', marker = KEY.marker, log = KEY.log, retention_ms = ARG.retentionMs,
  now = clock_ms(), saga = ARG.sagaId, entry = {'recovery', ARG.token}}, 'aborted')
return {'aborted'}
