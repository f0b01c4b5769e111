import { redisFor } from '../clients/redis';
import { readDurably } from './durability';
import { adjustBalance } from './balance';
import { batchInitBalances, createEntity } from './entity-writes';

const redis = () => redisFor('payment');
export const userKey = (userId: string) => `{payment}:user:${userId}`;
export const PAYMENT_LOG_KEY = '{payment}:log';
/** Counts batch_init chunks: a user's `gen` is the value of the chunk that last set them. */
export const PAYMENT_GENERATION_KEY = '{payment}:batch-init:generation';

export interface User {
  user_id: string;
  credit: number;
}

export function createUser(): Promise<string> {
  return createEntity(redis(), userKey, { credit: 0, direct: 0 });
}

export async function findUser(userId: string): Promise<User | null> {
  // Answered to a client: under replicas:N only once what it reads is durable (lib/store/durability.ts).
  const [credit] = (await readDurably(redis(), [['HGET', userKey(userId), 'credit']])) as (string | null)[];
  return credit === null ? null : { user_id: userId, credit: Number(credit) };
}

export function changeCredit(userId: string, delta: number): Promise<number> {
  return adjustBalance(redis(), {
    key: userKey(userId),
    field: 'credit',
    delta,
    log: PAYMENT_LOG_KEY,
    step: delta > 0 ? 'add-funds' : 'pay',
    id: userId,
    subject: `User ${userId}`,
  });
}

/** Users "0".."count-1" set afresh; a paid order counts against a user only if charged in the current generation. */
export async function batchInitUsers(count: number, credit: number): Promise<void> {
  await batchInitBalances(
    redis(),
    {
      generation: PAYMENT_GENERATION_KEY,
      log: PAYMENT_LOG_KEY,
      keyOf: userKey,
      field: 'credit',
      value: credit,
      countField: 'users',
    },
    count,
  );
}
