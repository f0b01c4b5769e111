-- draw-recovery-token: the fencing token of one replay run.
-- Guarantees: every token is greater than every token drawn before it on this epoch key and
-- greater than `floor` (the highest fence any service holds), so a lost or restored epoch (a
-- failover, a restore from backup) can never leave every later replay below some service's fence.
-- KEY, ARG: declared in lib/saga/replay.ts (the epoch counter; the floor).
-- Returns {'drawn', token}.
local token = redis.call('INCR', KEY.epoch)
local floor = tonumber(ARG.floor)
if token <= floor then
  token = floor + 1
  redis.call('SET', KEY.epoch, token)
end
return {'drawn', token}
