-- #include log.lua
-- Settles one saga step: its outcome on the service's step marker (field `step.field`, with
-- `moved_at`) and the log entry that tells it, written together, so a redelivered message finds the
-- first outcome and the log never disagrees with the marker. `step` = {name, field, marker, log,
-- retention_ms, now, saga, entry}: `entry` lists the fields only the log carries (who delivered,
-- whose credit). `...` are fields kept on both (why a step refused, what it took).
local function settle(step, outcome, ...)
  redis.call('HSET', step.marker, step.field, outcome, 'moved_at', step.now, ...)
  local fields = {'step', step.name, 'saga', step.saga}
  for _, value in ipairs(step.entry) do
    fields[#fields + 1] = value
  end
  fields[#fields + 1] = 'outcome'
  fields[#fields + 1] = outcome
  for _, value in ipairs({...}) do
    fields[#fields + 1] = value
  end
  append_log(step.log, step.retention_ms, step.now, fields)
end
