-- abort-charge: recovery's fence before it compensates a saga past its deadline.
-- Guarantees: if the saga was not charged, it never will be (charge-payment sees 'aborted'); if it
-- was, the answer says so and recovery rolls forward instead. The marker has no expiry while the
-- saga is open (recovery's sweep removes it). A recovery that lost its turn (a
-- newer one has written here since) is refused before it writes anything.
-- KEYS[1] the saga's payment marker; KEYS[2] the payment log; KEYS[3] the recovery fence.
-- ARGV[1] the saga id; ARGV[2] the log's retention in ms; ARGV[3] the recovery token.
-- Returns {'aborted'} | {'done'} | {'refused'} | {'fenced'}: the charge's state after the call.
local fence = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[3]) < fence then
  return {'fenced'}
end
redis.call('SET', KEYS[3], ARGV[3])
local state = redis.call('HGET', KEYS[1], 'charge')
if state then
  return {state}
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('HSET', KEYS[1], 'charge', 'aborted', 'moved_at', now)
redis.call('XADD', KEYS[2], 'MINID', '~', now - tonumber(ARGV[2]), '*', 'step', 'abort-charge', 'saga', ARGV[1],
  'recovery', ARGV[3], 't', now)
return {'aborted'}
