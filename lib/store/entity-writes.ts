import { logger } from '../observability';
import type { RedisClient } from '../redis';
import { newId } from './ids-store';
import createEntityLua from './lua/create-entity.lua';
import { defineScript, type ScriptArg } from './script';

const createEntityScript = defineScript({
  name: 'create-entity',
  source: createEntityLua,
  keys: ['entity'],
  each: { args: ['name', 'value'] },
  reply: { created: {}, taken: {} },
});
// Ids never repeat unless the counter went back; then each taken id is skipped, a bounded number of times.
const CREATE_ATTEMPTS = 1_000;

/** Writes a new entity under a fresh id, never over an existing one; returns the id. */
export async function createEntity(client: RedisClient, keyOf: (id: string) => string, fields: Record<string, ScriptArg>): Promise<string> {
  const each = Object.entries(fields).map(([name, value]) => ({ name, value }));
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const id = await newId();
    if ((await createEntityScript(client, { entity: keyOf(id), each })).status === 'created') return id;
    logger.warn(`id ${id} is already taken: the id counter went back; drawing another`);
  }
  throw new Error(`no free id after ${CREATE_ATTEMPTS} attempts: the id counter is far behind the data`);
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
