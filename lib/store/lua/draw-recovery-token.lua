-- draw-recovery-token: the fencing token of one replay run.
-- Guarantees: every token is greater than every token drawn before it on this epoch key and
-- greater than `floor` (the highest fence any service holds), so a lost or restored epoch (a
-- failover, a restore from backup) can never leave every later replay below some service's fence.
-- KEYS[1] the epoch counter. ARGV[1] the floor. Returns the token.
local token = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if token <= floor then
  token = floor + 1
  redis.call('SET', KEYS[1], token)
end
return token
