import { invalidInput, notFound, refused } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import { config } from '../clients/config';
import type { RedisClient } from '../clients/redis';
import adjustBalanceLua from './lua/adjust-balance.lua';
import { defineScript } from './script';

const adjustBalanceScript = defineScript({
  name: 'adjust-balance',
  source: adjustBalanceLua,
  keys: ['entity', 'log'],
  args: ['field', 'delta', 'step', 'id', 'retentionMs'],
  reply: {
    ok: { value: 'integer' },
    missing: {},
    insufficient: { current: 'string' },
    overflow: { current: 'string' },
  },
});

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
  const reply = await adjustBalanceScript(client, {
    entity: key,
    log: change.log,
    field,
    delta,
    step: change.step,
    id: change.id,
    retentionMs: config.retentionMs,
  });
  switch (reply.status) {
    case 'ok':
      return reply.value;
    case 'missing':
      throw notFound(`${subject} does not exist.`);
    case 'insufficient':
      throw refused(`${subject} has ${field} ${reply.current}, not enough to take ${-delta}.`);
    case 'overflow':
      throw invalidInput(`${subject} would have ${field} above ${MAX_VALUE}.`);
  }
}
