import { redisFor } from '../redis';
import { adjustBalance } from './balance';
import { createEntity, logBatchInit, pipelined } from './entity-writes';

const redis = () => redisFor('stock');
// Every stock key carries the {stock} hash tag: scripts that touch several items stay in one slot.
export const itemKey = (itemId: string) => `{stock}:item:${itemId}`;
export const STOCK_LOG_KEY = '{stock}:log';

export interface Item {
  item_id: string;
  stock: number;
  price: number;
}

export function createItem(price: number): Promise<string> {
  return createEntity(redis(), itemKey, { price, stock: 0, direct: 0 });
}

export async function findItem(itemId: string): Promise<Item | null> {
  const [stock, price] = await redis().hmget(itemKey(itemId), 'stock', 'price');
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

export async function batchInitItems(count: number, stock: number, price: number): Promise<void> {
  await pipelined(redis(), count, (pipeline, index) => {
    pipeline.hset(itemKey(String(index)), 'price', price, 'stock', stock, 'direct', stock);
  });
  await logBatchInit(redis(), STOCK_LOG_KEY, { items: count, stock, price });
}
