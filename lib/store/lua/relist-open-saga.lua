-- relist-open-saga: puts a saga back in the open-saga index when, at this instant, it is begun,
-- has no verdict and is missing from the index.
-- Guarantees: a finished saga is never listed again. The three facts are read and the index
-- written in one step, so a complete-order cannot land between the read and the write (as it could
-- between separate commands, leaving a finished saga listed as open until a later run).
-- KEY, ARG: declared in lib/store/saga-order.ts (the saga, the open-saga index; the saga id).
-- Returns {'relisted'} | {'unchanged'}.
local saga = redis.call('HMGET', KEY.saga, 'verdict', 'started_at')
if not saga[2] or (saga[1] and saga[1] ~= '') then
  return {'unchanged'}
end
if redis.call('ZSCORE', KEY.openSagas, ARG.sagaId) then
  return {'unchanged'}
end
redis.call('ZADD', KEY.openSagas, saga[2], ARG.sagaId)
return {'relisted'}
