-- The Redis server's clock in epoch ms: every service's scripts stamp, compare deadlines and trim
-- logs by this one clock, whichever process (and whichever host's clock) sent the command.
local function clock_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
