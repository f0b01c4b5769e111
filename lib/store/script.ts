import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis';

export type ScriptArg = string | number;

/**
 * A Lua script run with EVALSHA (ioredis falls back to EVAL after a NOSCRIPT, e.g. after a Redis
 * restart). Every caller passes all keys the script touches, so Redis Cluster can check they share
 * one hash slot.
 */
export function defineScript<Reply>(source: string) {
  const name = `sagashop_${createHash('sha1').update(source).digest('hex').slice(0, 16)}`;
  const definedOn = new WeakSet<object>();
  return (client: RedisClient, keys: string[], args: ScriptArg[]): Promise<Reply> => {
    if (!definedOn.has(client)) {
      client.defineCommand(name, { lua: source });
      definedOn.add(client);
    }
    const run = (client as unknown as Record<string, (...a: ScriptArg[]) => Promise<Reply>>)[name];
    return run.call(client, keys.length, ...keys, ...args);
  };
}

/** One log entry for a whole batch_init: it sets starting values rather than changing balances. */
export async function logBatchInit(client: RedisClient, log: string, fields: Record<string, number>): Promise<void> {
  const entry = Object.entries(fields).flatMap(([name, value]) => [name, String(value)]);
  await client.xadd(log, '*', 'step', 'batch-init', ...entry);
}

/** Runs `write` for every index in [0, count), in pipelines of `chunk` commands. */
export async function pipelined(
  client: RedisClient,
  count: number,
  write: (pipeline: ReturnType<RedisClient['pipeline']>, index: number) => void,
  chunk = 5_000,
): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const pipeline = client.pipeline();
    const end = Math.min(count, start + chunk);
    for (let index = start; index < end; index++) write(pipeline, index);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
