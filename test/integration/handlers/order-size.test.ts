// Issue 19, point 6: an order is bounded by what one saga message can carry. Before the bound,
// addItem took a 16,001st distinct item and checkout then answered 503 for a saga that could never
// start, holding the order. Real Redis and real SQS (the project's endpoint enforces SQS's 1 MiB).
import { MAX_ORDER_ITEMS, MAX_LINE_BYTES, REFUSAL_ROOM_BYTES, refusals, SQS_MESSAGE_BYTES, type SagaMessage } from '@lib/domain/checkout';
import { MAX_ID_LENGTH } from '@lib/domain/input';
import { recoveryRefusals } from '@lib/domain/recovery';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { handler as addItem } from '../../../functions/http/order/add-item';
import { handler as checkout } from '../../../functions/http/order/checkout';
import { handler as createOrder } from '../../../functions/http/order/create-order';
import { handler as findOrder } from '../../../functions/http/order/find-order';
import { handler as createUser } from '../../../functions/http/payment/create-user';
import { handler as createItem } from '../../../functions/http/stock/create-item';
import { configureTest } from '../../support/config';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';
import { testSqs, useStepQueues } from '../../support/saga-queues';

const sqs = testSqs();
beforeAll(async () => {
  configureTest({ CHECKOUT_WAIT_MS: '3000' });
  await flushDatabase();
  await useStepQueues(sqs, `size-${process.env.JEST_WORKER_ID}`);
});
afterAll(async () => {
  sqs.destroy();
  await closeRedisClients();
});

const longest = (prefix: string) => prefix + 'x'.repeat(MAX_ID_LENGTH - prefix.length);
const MAX = Number.MAX_SAFE_INTEGER;

describe('the bound (pure)', () => {
  it('lets the largest order, with the longest ids, quantities and refusal, fit in one SQS message', () => {
    const lines: [string, number][] = Array.from({ length: MAX_ORDER_ITEMS }, (_, index) => [longest(`i${index}-`), MAX]);
    const worstRefusals = [
      refusals.stockShort(longest('i'), String(MAX), MAX),
      refusals.itemMissing(longest('i')),
      refusals.creditShort(longest('u'), String(MAX), MAX),
      refusals.userMissing(longest('u')),
      recoveryRefusals.refused(longest('o'), 'payment refused'),
      recoveryRefusals.timedOut(longest('o')),
    ];
    for (const refusal of worstRefusals) expect(JSON.stringify({ refusal }).length).toBeLessThan(REFUSAL_ROOM_BYTES);
    const message: SagaMessage = {
      sagaId: longest('s'),
      orderId: longest('o'),
      userId: longest('u'),
      lines,
      totalCost: MAX,
      deadlineAt: MAX,
      stockGeneration: MAX,
      paymentGeneration: MAX,
      refusal: worstRefusals.reduce((a, b) => (a.length > b.length ? a : b)),
    };
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(SQS_MESSAGE_BYTES);
    // Tight: a few lines more of the longest kind would not fit.
    expect(Buffer.byteLength(JSON.stringify(message)) + 30 * MAX_LINE_BYTES).toBeGreaterThan(SQS_MESSAGE_BYTES);
    expect(MAX_ORDER_ITEMS).toBe(12_164);
  });
});

describe('an order of more distinct items than a saga message can carry', () => {
  let userId: string;
  let itemId: string;
  beforeAll(async () => {
    userId = (await call(createUser)).body.user_id;
    itemId = (await call(createItem, { price: '1' })).body.item_id;
  });
  /** An order already holding `count` distinct items (written whole: adding them one by one takes minutes). */
  async function orderOf(count: number): Promise<string> {
    const order_id = (await call(createOrder, { user_id: userId })).body.order_id as string;
    const items = Array.from({ length: count }, (_, index) => `bulk${index} 1`).join(',');
    await redisFor('order').hset(`{order}:order:${order_id}`, 'items', items, 'total_cost', count);
    return order_id;
  }

  it('addItem refuses the item past the bound with a 400 and changes nothing; more of an item already there is fine', async () => {
    const order_id = await orderOf(MAX_ORDER_ITEMS);
    const refused = await call(addItem, { order_id, item_id: itemId, quantity: '1' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(
      `Order ${order_id} would hold more than ${MAX_ORDER_ITEMS} different items, more than one checkout can carry; split it into several orders.`,
    );
    const order = (await call(findOrder, { order_id })).body;
    expect([order.items.length, order.total_cost]).toEqual([MAX_ORDER_ITEMS, MAX_ORDER_ITEMS]);

    const below = await orderOf(MAX_ORDER_ITEMS - 1);
    expect((await call(addItem, { order_id: below, item_id: itemId, quantity: '1' })).status).toBe(200);
    expect((await call(addItem, { order_id: below, item_id: itemId, quantity: '2' })).status).toBe(200);
  });

  it('checkout refuses an order already past the bound with a 400, before anything is held', async () => {
    const order_id = await orderOf(MAX_ORDER_ITEMS + 1);
    const answer = await call(checkout, { order_id });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/more than 12164 different items/);
    expect(await redisFor('order').hget(`{order}:order:${order_id}`, 'checkout')).toBeNull();
    expect(await redisFor('order').zcard('{order}:sagas:open')).toBe(0);
    // Not held: the order can still be changed (here: nothing to add that would fit, so 400 again, not 409).
    expect((await call(addItem, { order_id, item_id: itemId, quantity: '1' })).status).toBe(400);
  });
});
