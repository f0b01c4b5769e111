// Issue 19, defect 5: the sweep of finished sagas' step markers judged their age by the replay
// host's clock against times from the Redis clock, and the configuration accepted a retention
// exactly equal to the deadline plus the grace. With the host's clock ahead, markers went while a
// duplicate message could still act, and it took stock and credit a second time.
import type { SagaMessage } from '@lib/domain/checkout';
import { readConfig } from '@lib/clients/config';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { replayLog } from '@lib/saga/recovery';
import { addItemToOrder, createOrder } from '@lib/store/order-store';
import { beginCheckout, completeOrder } from '@lib/store/saga-order';
import { chargePayment, paymentMarkerKey } from '@lib/store/saga-payment';
import { reserveStock, stockMarkerKey } from '@lib/store/saga-stock';
import { configureTest } from '../../support/config';
import { flushDatabase } from '../../support/redis-state';

const HOST_CLOCK_AHEAD_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  // Deadline 0.9 s + grace 0.9 s + the clocks' margin (0.18 s) fit in the 2 s retention.
  configureTest({ SAGA_RETENTION_SECONDS: '2', CHECKOUT_DEADLINE_MS: '900', MESSAGE_GRACE_MS: '900' });
  await flushDatabase();
});
afterAll(closeRedisClients);

async function paidSaga(): Promise<SagaMessage> {
  await redisFor('stock').hset('{stock}:item:c1', 'stock', 10, 'direct', 10, 'price', 3);
  await redisFor('payment').hset('{payment}:user:c1', 'credit', 100, 'direct', 100);
  const orderId = await createOrder('c1');
  await addItemToOrder(orderId, 'c1', 2, 3);
  const started = await beginCheckout(orderId, 'saga-c1', 900);
  if (started.kind !== 'started') throw new Error('not started');
  await reserveStock(started.facts);
  await chargePayment(started.facts);
  await completeOrder(started.facts);
  return started.facts;
}

describe('every age is judged by the Redis clock, with a margin', () => {
  it('refuses a retention equal to the deadline plus the grace (deadline 3 s, grace 3 s, retention 6 s)', () => {
    expect(() => readConfig({ CHECKOUT_DEADLINE_MS: '3000', MESSAGE_GRACE_MS: '3000', SAGA_RETENTION_SECONDS: '6' })).toThrow(
      /SAGA_RETENTION_SECONDS/,
    );
    expect(readConfig({ CHECKOUT_DEADLINE_MS: '3000', MESSAGE_GRACE_MS: '3000', SAGA_RETENTION_SECONDS: '7' }).clockMarginMs).toBe(600);
  });

  it('a replay host whose clock is 1.5 s ahead sweeps no marker a duplicate message still needs', async () => {
    const saga = await paidSaga();
    // 0.6 s after the verdict: 2.1 s by the host's clock (past the 2 s retention), but the
    // saga's messages may act until 1.8 s after it began.
    await sleep(600);
    await replayLog({ staleMs: 0, now: () => Date.now() + HOST_CLOCK_AHEAD_MS, send: async () => {} });
    expect(await redisFor('stock').exists(stockMarkerKey(saga.sagaId))).toBe(1);
    expect(await redisFor('payment').exists(paymentMarkerKey(saga.sagaId))).toBe(1);
    // The duplicates SQS may still deliver find the first outcome: nothing is taken twice.
    await reserveStock(saga);
    await chargePayment(saga);
    expect(Number(await redisFor('stock').hget('{stock}:item:c1', 'stock'))).toBe(8);
    expect(Number(await redisFor('payment').hget('{payment}:user:c1', 'credit'))).toBe(94);
  });
});
