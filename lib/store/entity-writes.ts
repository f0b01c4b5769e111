import { config } from '../clients/config';
import { logger } from '../clients/logger';
import type { RedisClient } from '../clients/redis';
import { newId } from './ids-store';
import batchInitBalancesLua from './lua/batch-init-balances.lua';
import createEntityLua from './lua/create-entity.lua';
import { defineScript, type ScriptArg } from './script';

const createEntityScript = defineScript({
  name: 'create-entity',
  source: createEntityLua,
  keys: ['entity'],
  each: { args: ['name', 'value'] },
  reply: { created: {}, taken: {} },
});
const batchInitBalancesScript = defineScript({
  name: 'batch-init-balances',
  source: batchInitBalancesLua,
  keys: ['generation', 'log'],
  args: ['field', 'value', 'price', 'countField', 'first', 'retentionMs'],
  each: { keys: ['entity'] },
  reply: { done: { generation: 'integer' } },
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

/** batch_init writes in chunks: each chunk is one script (its entities and its log entry together). */
export const BATCH_INIT_CHUNK = 5_000;

export interface BalanceReset {
  /** The service's generation counter: each chunk draws the next value (see batch-init-balances.lua). */
  generation: string;
  log: string;
  keyOf: (id: string) => string;
  field: 'stock' | 'credit';
  value: number;
  /** An item's price; none for users. */
  price?: number;
  countField: 'items' | 'users';
}

/** Sets entities "0".."count-1" afresh, one atomic, logged chunk at a time. */
export async function batchInitBalances(client: RedisClient, reset: BalanceReset, count: number): Promise<void> {
  for (let first = 0; first < count; first += BATCH_INIT_CHUNK) {
    const size = Math.min(BATCH_INIT_CHUNK, count - first);
    await batchInitBalancesScript(client, {
      generation: reset.generation,
      log: reset.log,
      field: reset.field,
      value: reset.value,
      price: reset.price ?? '',
      countField: reset.countField,
      first,
      retentionMs: config.retentionMs,
      each: Array.from({ length: size }, (_, offset) => ({ entity: reset.keyOf(String(first + offset)) })),
    });
  }
}
