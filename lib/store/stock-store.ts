import { redisFor } from '../clients/redis';
import { readDurably } from './durability';
import { adjustBalance } from './balance';
import { batchInitBalances, createEntity } from './entity-writes';

const redis = () => redisFor('stock');
// Every stock key carries the {stock} hash tag: scripts that touch several items stay in one slot.
export const itemKey = (itemId: string) => `{stock}:item:${itemId}`;
export const STOCK_LOG_KEY = '{stock}:log';
/** Counts batch_init chunks: an item's `gen` is the value of the chunk that last set it. */
export const STOCK_GENERATION_KEY = '{stock}:batch-init:generation';

export interface Item {
  item_id: string;
  stock: number;
  price: number;
}

export function createItem(price: number): Promise<string> {
  return createEntity(redis(), itemKey, { price, stock: 0, direct: 0 });
}

export async function findItem(itemId: string): Promise<Item | null> {
  // Answered to a client: under replicas:N only once what it reads is durable (lib/store/durability.ts).
  const [[stock, price]] = (await readDurably(redis(), [['HMGET', itemKey(itemId), 'stock', 'price']])) as (string | null)[][];
  if (stock === null || price === null) return null;
  return { item_id: itemId, stock: Number(stock), price: Number(price) };
}

export function changeStock(itemId: string, delta: number): Promise<number> {
  return adjustBalance(redis(), {
    key: itemKey(itemId),
    field: 'stock',
    delta,
    log: STOCK_LOG_KEY,
    step: delta > 0 ? 'add-stock' : 'subtract-stock',
    id: itemId,
    subject: `Item ${itemId}`,
  });
}

/**
 * Items "0".."count-1" set afresh. A saga holding one of them keeps nothing of it: its release gives
 * nothing back into the new stock, and a paid order counts against the item only if it took from
 * the current generation (lib/store/lua/batch-init-balances.lua).
 */
export async function batchInitItems(count: number, stock: number, price: number): Promise<void> {
  await batchInitBalances(
    redis(),
    {
      generation: STOCK_GENERATION_KEY,
      log: STOCK_LOG_KEY,
      keyOf: itemKey,
      field: 'stock',
      value: stock,
      price,
      countField: 'items',
    },
    count,
  );
}
