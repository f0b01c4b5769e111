import { invalidInput, notFound, refused } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import type { RedisClient } from '../redis';
import adjustBalanceLua from './lua/adjust-balance.lua';
import { defineScript } from './script';

type AdjustReply = ['ok', number] | ['missing'] | ['insufficient', string] | ['overflow', string];
const adjustBalanceScript = defineScript<AdjustReply>(adjustBalanceLua);

export interface BalanceWording {
  /** "Item 42", "User 7" */
  subject: string;
  /** "stock", "credit" */
  balance: string;
}

/** Changes one balance by `delta`, or refuses with a sentence that names what stood in the way. */
export async function adjustBalance(
  client: RedisClient,
  key: string,
  field: string,
  delta: number,
  wording: BalanceWording,
): Promise<number> {
  const reply = await adjustBalanceScript(client, [key], [field, delta]);
  switch (reply[0]) {
    case 'ok':
      return Number(reply[1]);
    case 'missing':
      throw notFound(`${wording.subject} does not exist.`);
    case 'insufficient':
      throw refused(`${wording.subject} has ${wording.balance} ${reply[1]}, not enough to take ${-delta}.`);
    case 'overflow':
      throw invalidInput(`${wording.subject} would have ${wording.balance} above ${MAX_VALUE}.`);
  }
}
