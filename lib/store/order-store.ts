import { conflict, invalidInput, notFound } from '../domain/errors';
import { MAX_VALUE } from '../domain/input';
import { decodeLines, encodeLines, type Order } from '../domain/order';
import { redisFor } from '../redis';
import { newId } from './ids-store';
import addOrderItemLua from './lua/add-order-item.lua';
import { defineScript, logBatchInit, pipelined } from './script';

const redis = () => redisFor('order');
export const orderKey = (orderId: string) => `{order}:order:${orderId}`;

type AddItemReply = ['ok', string] | ['missing'] | ['paid'] | ['checking-out'] | ['overflow'];
const addOrderItemScript = defineScript<AddItemReply>(addOrderItemLua);

export async function createOrder(userId: string): Promise<string> {
  const orderId = await newId();
  await redis().hset(orderKey(orderId), 'user_id', userId, 'paid', 0, 'total_cost', 0, 'items', '');
  return orderId;
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
  const reply = await addOrderItemScript(redis(), [orderKey(orderId)], [itemId, quantity, price]);
  switch (reply[0]) {
    case 'ok':
      return Number(reply[1]);
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

export async function batchInitOrders(count: number, itemCount: number, userCount: number, itemPrice: number): Promise<void> {
  const totalCost = 2 * itemPrice;
  await pipelined(redis(), count, (pipeline, index) => {
    const items = encodeLines([
      [randomBelow(itemCount), 1],
      [randomBelow(itemCount), 1],
    ]);
    // Replaced whole: a re-initialised order is free of any earlier checkout.
    pipeline.del(orderKey(String(index)));
    pipeline.hset(orderKey(String(index)), 'user_id', randomBelow(userCount), 'paid', 0, 'total_cost', totalCost, 'items', items);
  });
  await logBatchInit(redis(), '{order}:log', { orders: count, items: itemCount, users: userCount, price: itemPrice });
}
