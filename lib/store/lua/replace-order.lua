-- replace-order: batch_init's write of one order, unless a running checkout holds it.
-- Guarantees: an order held by a saga (its `checkout` field) is never replaced, so a saga that
-- has taken stock and credit always finds its order and marks it paid (or refused); any other
-- order is replaced whole, free of any earlier state.
-- KEYS[1] the order. ARGV[1] user id; ARGV[2] total cost; ARGV[3] the encoded items.
-- Returns 1 when replaced, 0 when a running checkout kept it.
local checkout = redis.call('HGET', KEYS[1], 'checkout')
if checkout and checkout ~= '' then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'paid', 0, 'total_cost', ARGV[2], 'items', ARGV[3])
return 1
