import { redisFor } from '@lib/clients/redis';
import type { SagaMessage } from '@lib/domain/checkout';
import { beginCheckout } from '@lib/store/saga-order';
import * as order from '@lib/store/order-store';
import * as payment from '@lib/store/payment-store';
import * as stock from '@lib/store/stock-store';

/**
 * An item with stock 10 at price 3, a user with credit 100, and their order of 2, written through
 * the stores (so under the durability the test configured), and a reading of all three.
 */
export async function smallShop() {
  const itemId = await stock.createItem(3);
  await stock.changeStock(itemId, 10);
  const userId = await payment.createUser();
  await payment.changeCredit(userId, 100);
  const orderId = await order.createOrder(userId);
  await order.addItemToOrder(orderId, itemId, 2, 3);
  const state = async () => ({
    stock: (await stock.findItem(itemId))!.stock,
    credit: (await payment.findUser(userId))!.credit,
    paid: (await order.findOrder(orderId))!.paid,
  });
  return { itemId, userId, orderId, state };
}

/**
 * A saga begun (its begin-checkout written) for a fresh item, user and order named after `prefix`
 * and a counter, written straight into Redis: the replay tests' starting point.
 */
export function sagaBeginner(prefix: string) {
  let sequence = 0;
  return async (deadlineMs: number): Promise<SagaMessage> => {
    const id = `${prefix}${++sequence}`;
    await redisFor('stock').hset(`{stock}:item:${id}`, 'stock', 10, 'direct', 10, 'price', 3);
    await redisFor('payment').hset(`{payment}:user:${id}`, 'credit', 100, 'direct', 100);
    const orderId = await order.createOrder(id);
    await order.addItemToOrder(orderId, id, 2, 3);
    const started = await beginCheckout(orderId, `saga-${id}`, deadlineMs);
    if (started.kind !== 'started') throw new Error('not started');
    return started.facts;
  };
}
