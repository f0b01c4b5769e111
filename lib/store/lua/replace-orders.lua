-- #include shared/clock.lua
-- #include shared/log.lua
-- replace-orders: one chunk of batch_init of orders: replaces each order, unless a running checkout
-- holds it, and logs the chunk, in one step.
-- Guarantees: an order held by a saga (its `checkout` field) is never replaced, so a saga that
-- has taken stock and credit always finds its order and marks it paid (or refused); any other
-- order is replaced whole, free of any earlier state. A paid order that is replaced leaves what it
-- took on the books: its summed quantity per item and its total cost are added to the
-- replaced-paid ledger, under the batch_init generations its stamp names ('0' when it has none),
-- so `npm run check` still counts them. The orders and the log entry are written together.
-- KEY, ARG, EACH: declared in lib/store/order-store.ts (the replaced-paid ledger, the order log; the
-- chunk's first order id, batch_init's n_items, n_users and item price (for the log), the log's
-- retention in ms; per order its key, its new user id, total cost and encoded items).
-- Returns {'done', kept} (the ids of the orders kept, comma-separated, '' for none).
local kept = {}
for index, order in ipairs(EACH) do
  local old = redis.call('HMGET', order.order, 'checkout', 'paid', 'items', 'user_id', 'total_cost', 'stock_gen', 'payment_gen')
  if old[1] and old[1] ~= '' then
    kept[#kept + 1] = tostring(tonumber(ARG.first) + index - 1)
  else
    if old[2] == '1' then
      local stock_gen = old[6] or '0'
      for item, quantity in string.gmatch(old[3] or '', '([^ ,]+) (%d+)') do
        redis.call('HINCRBY', KEY.retired, 'item ' .. item .. ' ' .. stock_gen, quantity)
      end
      redis.call('HINCRBY', KEY.retired, 'user ' .. old[4] .. ' ' .. (old[7] or '0'), old[5])
    end
    redis.call('DEL', order.order)
    redis.call('HSET', order.order, 'user_id', order.userId, 'paid', 0, 'total_cost', order.totalCost, 'items', order.items)
  end
end
append_log(KEY.log, ARG.retentionMs, clock_ms(), {'step', 'batch-init', 'orders', #EACH, 'first', ARG.first, 'items', ARG.itemCount,
  'users', ARG.userCount, 'price', ARG.price, 'kept', #kept})
return {'done', table.concat(kept, ',')}
