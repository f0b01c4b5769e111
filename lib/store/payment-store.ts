import { redisFor } from '../redis';
import { adjustBalance } from './balance';
import { createEntity, logBatchInit, pipelined } from './entity-writes';

const redis = () => redisFor('payment');
export const userKey = (userId: string) => `{payment}:user:${userId}`;
export const PAYMENT_LOG_KEY = '{payment}:log';

export interface User {
  user_id: string;
  credit: number;
}

export function createUser(): Promise<string> {
  return createEntity(redis(), userKey, { credit: 0, direct: 0 });
}

export async function findUser(userId: string): Promise<User | null> {
  const credit = await redis().hget(userKey(userId), 'credit');
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

export async function batchInitUsers(count: number, credit: number): Promise<void> {
  await pipelined(redis(), count, (pipeline, index) => {
    pipeline.hset(userKey(String(index)), 'credit', credit, 'direct', credit);
  });
  await logBatchInit(redis(), PAYMENT_LOG_KEY, { users: count, credit });
}
