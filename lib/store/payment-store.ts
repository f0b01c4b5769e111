import { redisFor } from '../redis';
import { adjustBalance } from './balance';
import { newId } from './ids-store';
import { pipelined } from './script';

const redis = () => redisFor('payment');
export const userKey = (userId: string) => `{payment}:user:${userId}`;

export interface User {
  user_id: string;
  credit: number;
}

export async function createUser(): Promise<string> {
  const userId = await newId();
  await redis().hset(userKey(userId), 'credit', 0);
  return userId;
}

export async function findUser(userId: string): Promise<User | null> {
  const credit = await redis().hget(userKey(userId), 'credit');
  return credit === null ? null : { user_id: userId, credit: Number(credit) };
}

export function changeCredit(userId: string, delta: number): Promise<number> {
  return adjustBalance(redis(), userKey(userId), 'credit', delta, { subject: `User ${userId}`, balance: 'credit' });
}

export function batchInitUsers(count: number, credit: number): Promise<void> {
  return pipelined(redis(), count, (pipeline, index) => {
    pipeline.hset(userKey(String(index)), 'credit', credit);
  });
}
