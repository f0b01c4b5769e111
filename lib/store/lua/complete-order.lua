-- #include shared/clock.lua
-- #include shared/fence.lua
-- #include shared/log.lua
-- complete-order: writes a saga's verdict on its order, once, and wakes whoever waits for it.
-- Guarantees: the first verdict stands (a redelivered or late message cannot change it); a paid
-- verdict marks the order paid in the same write, and is never written for an order that no longer
-- holds this saga (its `checkout` field: nothing replaces a held order, so this would be a bug,
-- and the saga stays open for everyone to see rather than claim a payment that marks nothing);
-- the saga leaves the open-saga index with its verdict, is logged, expires after the retention
-- window, and is listed for recovery's sweep, which removes its step markers in the other services
-- once no message can act on it. A message that comes after the saga's deadline plus the grace
-- changes nothing. A paid order is stamped with the batch_init generations its stock and charge
-- were taken from ('stock_gen', 'payment_gen'), which `npm run check` compares with the items' and
-- the user's. When recovery completes, it passes its fencing token instead: a recovery that
-- lost its turn is refused before it writes anything.
-- KEY, ARG: declared in lib/store/saga-order.ts (the order, the saga, the open-saga index, the
-- order log, the recovery fence, the finished-saga index; the saga id, 'paid' or 'refused', the
-- refusal sentence, the verdict channel, the retention in ms, the recovery token ('' for the saga
-- step itself), the last moment a message of this saga may act, who delivered it, the stock and
-- payment generations taken from ('' when not known)).
-- Returns {'done', verdict} | {'already', verdict} | {'unknown'} | {'fenced'} | {'expired'} | {'not-held'}.
local now = clock_ms()
local refusal = refusal_of(KEY.fence, ARG.token, ARG.actUntil, now)
if refusal then
  return {refusal}
end
local saga = redis.call('HMGET', KEY.saga, 'verdict', 'order_id')
if not saga[2] then
  return {'unknown'}
end
if saga[1] and saga[1] ~= '' then
  return {'already', saga[1]}
end
local held = redis.call('HGET', KEY.order, 'checkout') == ARG.sagaId
if ARG.verdict == 'paid' and not held then
  return {'not-held'}
end
local retention = tonumber(ARG.retentionMs)
if held then
  if ARG.verdict == 'paid' then
    redis.call('HSET', KEY.order, 'paid', '1', 'checkout', '')
    if ARG.stockGeneration ~= '' then
      redis.call('HSET', KEY.order, 'stock_gen', ARG.stockGeneration)
    end
    if ARG.paymentGeneration ~= '' then
      redis.call('HSET', KEY.order, 'payment_gen', ARG.paymentGeneration)
    end
  else
    redis.call('HSET', KEY.order, 'checkout', '')
  end
end
redis.call('HSET', KEY.saga, 'verdict', ARG.verdict, 'reason', ARG.reason, 'finished_at', now)
redis.call('PEXPIRE', KEY.saga, retention)
redis.call('ZREM', KEY.openSagas, ARG.sagaId)
redis.call('ZADD', KEY.finishedSagas, now + retention, ARG.sagaId)
append_log(KEY.log, retention, now, {'step', 'complete-order', 'saga', ARG.sagaId, 'order', saga[2], 'verdict', ARG.verdict,
  'recovery', ARG.token, 'by', ARG.by})
-- '<verdict>:<reason>': a waiter whose server fsyncs before it answers needs no read after it.
redis.call('PUBLISH', ARG.channel, ARG.verdict .. ':' .. ARG.reason)
return {'done', ARG.verdict}
