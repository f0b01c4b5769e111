-- #include shared/clock.lua
-- #include shared/log.lua
-- batch-init-balances: one chunk of batch_init of items or users: sets each entity's balance (and
-- an item's price) afresh, and logs it, in one step.
-- Guarantees: the entities and the log entry that names them are written together, so no saga
-- step and no direct change can land between the two (the log audit never sees a balance move
-- behind its back). Each chunk draws a new generation from the service's counter and stamps it on
-- every entity it sets: a saga step that took from an entity records the counter as it found it,
-- so a later compensation can tell that a batch_init set the balance afresh since (the entity's
-- generation is then above what the saga recorded) and gives nothing back into the new value, and
-- `npm run check` counts a paid order against the entity only if it was paid from the current
-- generation. A chunk's entities are "first".."first+count-1"; an entity keeps no other field.
-- KEY, ARG, EACH: declared in lib/store/entity-writes.ts (the service's generation counter, the
-- service's log; the balance field, its value, the price ('' for users), the log's count field
-- ('items' / 'users'), the chunk's first id, the log's retention in ms; per entity its key).
-- Returns {'done', generation}.
local generation = redis.call('INCR', KEY.generation)
for _, entity in ipairs(EACH) do
  redis.call('DEL', entity.entity)
  if ARG.price ~= '' then
    redis.call('HSET', entity.entity, ARG.field, ARG.value, 'direct', ARG.value, 'price', ARG.price, 'gen', generation)
  else
    redis.call('HSET', entity.entity, ARG.field, ARG.value, 'direct', ARG.value, 'gen', generation)
  end
end
local fields = {'step', 'batch-init', ARG.countField, #EACH, 'first', ARG.first, ARG.field, ARG.value, 'gen', generation}
if ARG.price ~= '' then
  fields[#fields + 1] = 'price'
  fields[#fields + 1] = ARG.price
end
append_log(KEY.log, ARG.retentionMs, clock_ms(), fields)
return {'done', generation}
