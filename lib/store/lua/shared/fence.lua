-- Who may still act on a saga: recovery, with a fencing token no lower than the highest this
-- service has seen (a replay that lost its turn is refused before it writes anything, and a passing
-- token raises the fence to itself); or the saga's own message, until its deadline plus the grace
-- (`act_until`, epoch ms), after which recovery owns the saga. `token` is '' for the saga's message;
-- `fence` may be nil for a step recovery never runs.
-- Returns nil when the caller may act, else its refusal: 'fenced' or 'expired'.
local function refusal_of(fence, token, act_until, now)
  if token ~= '' then
    if tonumber(token) < tonumber(redis.call('GET', fence) or '0') then
      return 'fenced'
    end
    redis.call('SET', fence, token)
  elseif now > tonumber(act_until) then
    return 'expired'
  end
  return nil
end
