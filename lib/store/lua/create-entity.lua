-- create-entity: writes a new item, user or order under a freshly drawn id, only if that id is free.
-- Guarantees: an existing entity is never overwritten, even if the id counter went back (a
-- failover to a lagging replica, a host crash inside the append-only file's last second).
-- KEYS[1] the entity's key. ARGV: field, value, field, value, ...
-- Returns 1 when created, 0 when the id was taken.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
