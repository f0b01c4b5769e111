-- create-entity: writes a new item, user or order under a freshly drawn id, only if that id is free.
-- Guarantees: an existing entity is never overwritten, even if the id counter went back (a
-- failover to a lagging replica, a host crash inside the append-only file's last second).
-- KEY, EACH: declared in lib/store/entity-writes.ts (the entity's key; per field its name and value).
-- Returns {'created'} | {'taken'} (the id was taken: nothing is written).
if redis.call('EXISTS', KEY.entity) == 1 then
  return {'taken'}
end
local fields = {}
for _, field in ipairs(EACH) do
  fields[#fields + 1] = field.name
  fields[#fields + 1] = field.value
end
redis.call('HSET', KEY.entity, unpack(fields))
return {'created'}
