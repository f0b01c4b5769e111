import type { Service } from '../clients/config';
import { redisFor } from '../clients/redis';

/**
 * A service's Redis clock in epoch ms, to the microsecond (`TIME`): the clock every script stamps
 * and judges ages by (the scripts round it down to the ms).
 * Recovery asks it instead of its own host's clock, so a replay host whose clock is off can never
 * judge a saga older (or younger) than the scripts do.
 */
export async function redisNow(service: Service): Promise<number> {
  const [seconds, micros] = await redisFor(service).time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
}
