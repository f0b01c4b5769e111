import { conflict, invalidInput, notFound } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import { decodeLines, encodeLines, type Order } from '../domain/order';
import { redisFor } from '../redis';
import addOrderItemLua from './lua/add-order-item.lua';
import replaceOrderLua from './lua/replace-order.lua';
import { createEntity, logBatchInit } from './entity-writes';
import { defineScript } from './script';

const redis = () => redisFor('order');
export const orderKey = (orderId: string) => `{order}:order:${orderId}`;

const addOrderItemScript = defineScript({
  name: 'add-order-item',
  source: addOrderItemLua,
  keys: ['order'],
  args: ['itemId', 'quantity', 'price'],
  reply: { ok: { totalCost: 'string' }, missing: {}, paid: {}, 'checking-out': {}, overflow: {} },
});
const replaceOrderScript = defineScript({
  name: 'replace-order',
  source: replaceOrderLua,
  keys: ['order'],
  args: ['userId', 'totalCost', 'items'],
  reply: { replaced: {}, kept: {} },
});

export function createOrder(userId: string): Promise<string> {
  return createEntity(redis(), orderKey, { user_id: userId, paid: 0, total_cost: 0, items: '' });
}

export async function findOrder(orderId: string): Promise<Order | null> {
  const [userId, paid, totalCost, items] = await redis().hmget(orderKey(orderId), 'user_id', 'paid', 'total_cost', 'items');
  if (userId === null) return null;
  return {
    order_id: orderId,
    paid: paid === '1',
    items: decodeLines(items ?? ''),
    user_id: userId,
    total_cost: Number(totalCost),
  };
}

export async function addItemToOrder(orderId: string, itemId: string, quantity: number, price: number): Promise<number> {
  const reply = await addOrderItemScript(redis(), { order: orderKey(orderId), itemId, quantity, price });
  switch (reply.status) {
    case 'ok':
      return Number(reply.totalCost);
    case 'missing':
      throw notFound(`Order ${orderId} does not exist.`);
    case 'paid':
      throw conflict(`Order ${orderId} is already paid.`);
    case 'checking-out':
      throw conflict(`Order ${orderId} is being checked out.`);
    case 'overflow':
      throw invalidInput(`Order ${orderId} would cost more than ${MAX_VALUE}.`);
  }
}

const randomBelow = (bound: number) => String(Math.floor(Math.random() * bound));

/**
 * Replaces orders "0".."count-1" with fresh ones, except those a running checkout holds: the saga
 * wins, finishes with the order as it was, and the caller learns which ones were kept.
 */
export async function batchInitOrders(count: number, itemCount: number, userCount: number, itemPrice: number): Promise<{ kept: string[] }> {
  const totalCost = 2 * itemPrice;
  const kept: string[] = [];
  const CHUNK = 5_000;
  for (let start = 0; start < count; start += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, count - start) }, (_, offset) => String(start + offset));
    // Auto-pipelining sends each chunk's calls in a few round trips.
    const replaced = await Promise.all(
      ids.map((orderId) => {
        const items = encodeLines([
          [randomBelow(itemCount), 1],
          [randomBelow(itemCount), 1],
        ]);
        return replaceOrderScript(redis(), { order: orderKey(orderId), userId: randomBelow(userCount), totalCost, items });
      }),
    );
    ids.forEach((orderId, index) => replaced[index].status === 'kept' && kept.push(orderId));
  }
  await logBatchInit(redis(), '{order}:log', { orders: count, items: itemCount, users: userCount, price: itemPrice, kept: kept.length });
  return { kept };
}
