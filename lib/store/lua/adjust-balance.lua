-- Adds a signed delta to one integer field of an existing hash, atomically.
-- Guarantees: the field never goes below 0 nor above 2^53-1, and nothing is written unless every
-- check passed (a missing key, a shortfall or an overflow leaves the hash exactly as it was).
-- KEYS[1] the hash; ARGV[1] the field; ARGV[2] the signed delta.
-- Returns {'ok', new value} | {'missing'} | {'insufficient', current} | {'overflow', current}.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  return {'missing'}
end
local after = tonumber(current) + tonumber(ARGV[2])
if after < 0 then
  return {'insufficient', current}
end
if after > 9007199254740991 then
  return {'overflow', current}
end
return {'ok', redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])}
