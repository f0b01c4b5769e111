import { redisFor } from '../redis';
import { adjustBalance } from './balance';
import { newId } from './ids-store';
import { pipelined } from './script';

const redis = () => redisFor('stock');
// Every stock key carries the {stock} hash tag: scripts that touch several items stay in one slot.
export const itemKey = (itemId: string) => `{stock}:item:${itemId}`;

export interface Item {
  item_id: string;
  stock: number;
  price: number;
}

export async function createItem(price: number): Promise<string> {
  const itemId = await newId();
  await redis().hset(itemKey(itemId), 'price', price, 'stock', 0);
  return itemId;
}

export async function findItem(itemId: string): Promise<Item | null> {
  const [stock, price] = await redis().hmget(itemKey(itemId), 'stock', 'price');
  if (stock === null || price === null) return null;
  return { item_id: itemId, stock: Number(stock), price: Number(price) };
}

export function changeStock(itemId: string, delta: number): Promise<number> {
  return adjustBalance(redis(), itemKey(itemId), 'stock', delta, { subject: `Item ${itemId}`, balance: 'stock' });
}

export function batchInitItems(count: number, stock: number, price: number): Promise<void> {
  return pipelined(redis(), count, (pipeline, index) => {
    pipeline.hset(itemKey(String(index)), 'price', price, 'stock', stock);
  });
}
