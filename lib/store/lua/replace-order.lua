-- replace-order: batch_init's write of one order, unless a running checkout holds it.
-- Guarantees: an order held by a saga (its `checkout` field) is never replaced, so a saga that
-- has taken stock and credit always finds its order and marks it paid (or refused); any other
-- order is replaced whole, free of any earlier state.
-- KEY, ARG: declared in lib/store/order-store.ts (the order; the user id, the total cost, the encoded items).
-- Returns {'replaced'} | {'kept'} (a running checkout holds it).
local checkout = redis.call('HGET', KEY.order, 'checkout')
if checkout and checkout ~= '' then
  return {'kept'}
end
redis.call('DEL', KEY.order)
redis.call('HSET', KEY.order, 'user_id', ARG.userId, 'paid', 0, 'total_cost', ARG.totalCost, 'items', ARG.items)
return {'replaced'}
