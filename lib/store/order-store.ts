import { MAX_ORDER_ITEMS, refusals } from '../domain/checkout';
import { conflict, invalidInput, notFound } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import { decodeLines, encodeLines, type Order } from '../domain/order';
import { redisFor } from '../clients/redis';
import { readDurably } from './durability';
import addOrderItemLua from './lua/add-order-item.lua';
import replaceOrdersLua from './lua/replace-orders.lua';
import { config } from '../clients/config';
import { BATCH_INIT_CHUNK, createEntity } from './entity-writes';
import { ORDER_LOG_KEY } from './saga-order';
import { defineScript } from './script';

const redis = () => redisFor('order');
export const orderKey = (orderId: string) => `{order}:order:${orderId}`;
/**
 * What paid orders that batch_init replaced had taken, so `npm run check` still counts it: fields
 * "item <id> <stock generation>" and "user <id> <payment generation>", summed quantities and costs.
 */
export const REPLACED_PAID_KEY = '{order}:replaced-paid';

const addOrderItemScript = defineScript({
  name: 'add-order-item',
  source: addOrderItemLua,
  keys: ['order'],
  args: ['itemId', 'quantity', 'price', 'maxItems'],
  reply: {
    ok: { totalCost: 'string' },
    missing: {},
    paid: {},
    'checking-out': {},
    overflow: {},
    'too-many-items': {},
  },
});
const replaceOrdersScript = defineScript({
  name: 'replace-orders',
  source: replaceOrdersLua,
  keys: ['retired', 'log'],
  args: ['first', 'itemCount', 'userCount', 'price', 'retentionMs'],
  each: { keys: ['order'], args: ['userId', 'totalCost', 'items'] },
  reply: { done: { kept: 'string' } },
});

export function createOrder(userId: string): Promise<string> {
  return createEntity(redis(), orderKey, { user_id: userId, paid: 0, total_cost: 0, items: '' });
}

export async function findOrder(orderId: string): Promise<Order | null> {
  // Answered to a client (the 504 sends it here): under replicas:N only once what it reads is durable.
  const [[userId, paid, totalCost, items]] = (await readDurably(redis(), [
    ['HMGET', orderKey(orderId), 'user_id', 'paid', 'total_cost', 'items'],
  ])) as (string | null)[][];
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
  const reply = await addOrderItemScript(redis(), {
    order: orderKey(orderId),
    itemId,
    quantity,
    price,
    maxItems: MAX_ORDER_ITEMS,
  });
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
    case 'too-many-items':
      throw invalidInput(refusals.tooManyItems(orderId));
  }
}

const randomBelow = (bound: number) => String(Math.floor(Math.random() * bound));

/**
 * Replaces orders "0".."count-1" with fresh ones, except those a running checkout holds: the saga
 * wins, finishes with the order as it was, and the caller learns which ones were kept. Each chunk
 * is one script: its orders and its log entry together.
 */
export async function batchInitOrders(count: number, itemCount: number, userCount: number, itemPrice: number): Promise<{ kept: string[] }> {
  const totalCost = 2 * itemPrice;
  const kept: string[] = [];
  // Every random draw before the first await: a caller may seed Math.random for one call.
  const orders = Array.from({ length: count }, (_, index) => {
    const items = encodeLines([
      [randomBelow(itemCount), 1],
      [randomBelow(itemCount), 1],
    ]);
    return { order: orderKey(String(index)), userId: randomBelow(userCount), totalCost, items };
  });
  for (let first = 0; first < count; first += BATCH_INIT_CHUNK) {
    const reply = await replaceOrdersScript(redis(), {
      retired: REPLACED_PAID_KEY,
      log: ORDER_LOG_KEY,
      first,
      itemCount,
      userCount,
      price: itemPrice,
      retentionMs: config.retentionMs,
      each: orders.slice(first, first + BATCH_INIT_CHUNK),
    });
    if (reply.kept !== '') kept.push(...reply.kept.split(','));
  }
  return { kept };
}
