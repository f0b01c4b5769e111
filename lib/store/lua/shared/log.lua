-- Appends one entry to a service's transaction log, stamped `t` with the Redis clock (`now`), and
-- trims entries older than the retention window (`MINID ~`: whole macro nodes, so it stays cheap).
-- Guarantees: the entry is written by the same script as the change it records, so the log never
-- misses a change nor records one that did not happen. `fields` is a flat list: name, value, ...
local function append_log(log, retention_ms, now, fields)
  fields[#fields + 1] = 't'
  fields[#fields + 1] = now
  redis.call('XADD', log, 'MINID', '~', now - tonumber(retention_ms), '*', unpack(fields))
end
