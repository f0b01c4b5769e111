import { invalidInput, notFound, refused } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import { config } from '../config';
import type { RedisClient } from '../redis';
import adjustBalanceLua from './lua/adjust-balance.lua';
import { defineScript } from './script';

type AdjustReply = ['ok', number] | ['missing'] | ['insufficient', string] | ['overflow', string];
const adjustBalanceScript = defineScript<AdjustReply>(adjustBalanceLua);

export interface BalanceChange {
  key: string;
  field: 'stock' | 'credit';
  delta: number;
  /** The service's log stream and the step name its entry carries: "add-stock", "pay"... */
  log: string;
  step: string;
  id: string;
  /** "Item 42", "User 7" */
  subject: string;
}

/** Changes one balance by `delta` and logs it, or refuses with a sentence that names what stood in the way. */
export async function adjustBalance(client: RedisClient, change: BalanceChange): Promise<number> {
  const { key, field, delta, subject } = change;
  const reply = await adjustBalanceScript(client, [key, change.log], [field, delta, change.step, change.id, config.retentionMs]);
  switch (reply[0]) {
    case 'ok':
      return Number(reply[1]);
    case 'missing':
      throw notFound(`${subject} does not exist.`);
    case 'insufficient':
      throw refused(`${subject} has ${field} ${reply[1]}, not enough to take ${-delta}.`);
    case 'overflow':
      throw invalidInput(`${subject} would have ${field} above ${MAX_VALUE}.`);
  }
}
