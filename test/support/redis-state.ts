import { redisFor } from '@lib/clients/redis';

/** Every key of this worker's database with its content: equal snapshots mean nothing changed. */
export async function snapshot(): Promise<Record<string, unknown>> {
  const redis = redisFor('stock');
  const keys = (await redis.keys('*')).sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    state[key] = type === 'hash' ? await redis.hgetall(key) : type === 'string' ? await redis.get(key) : type;
  }
  return state;
}

export async function flushDatabase(): Promise<void> {
  await redisFor('stock').flushdb();
}
