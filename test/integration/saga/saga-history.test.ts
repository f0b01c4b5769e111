import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { formatHistory } from '@lib/domain/saga-history';
import { HISTORY_ORDER } from '@lib/saga/definition';
import { replayLog } from '@lib/saga/recovery';
import { addItemToOrder, createOrder } from '@lib/store/order-store';
import { readSagaHistory, sagasNamedBy } from '@lib/store/saga-history';
import { beginCheckout, completeOrder } from '@lib/store/saga-order';
import { chargePayment } from '@lib/store/saga-payment';
import { releaseStock, reserveStock } from '@lib/store/saga-stock';
import { flushDatabase } from '../../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

describe("npm run saga: one saga's history from the three logs", () => {
  it('tells every step in time order with its balance changes, and where the saga stands', async () => {
    await redisFor('stock').hset('{stock}:item:h1', 'stock', 10, 'direct', 10, 'price', 5);
    await redisFor('payment').hset('{payment}:user:hu', 'credit', 7, 'direct', 7);
    const orderId = await createOrder('hu');
    await addItemToOrder(orderId, 'h1', 2, 5);
    const refused = await beginCheckout(orderId, 'saga-h-refused', 60_000);
    if (refused.kind !== 'started') throw new Error('not started');
    const saga = refused.facts;
    await reserveStock(saga);
    const charge = await chargePayment(saga);
    expect(charge.status).toBe('refused');
    const refusal = { ...saga, refusal: 'Not enough credit' };
    await releaseStock(refusal);
    await completeOrder(refusal);
    await redisFor('payment').hset('{payment}:user:hu', 'credit', 100);
    const second = await beginCheckout(orderId, 'saga-h-open', 1);
    if (second.kind !== 'started') throw new Error('not started');
    // Past its 1 ms deadline by Redis's clock, whatever the machine's speed: a replay deciding within
    // that millisecond would re-send instead of refuse.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await replayLog({ staleMs: 0, send: async () => {} });

    expect(await sagasNamedBy(orderId)).toEqual(['saga-h-refused', 'saga-h-open']);
    expect(await sagasNamedBy('saga-h-open')).toEqual(['saga-h-open']);
    const text = formatHistory(await readSagaHistory('saga-h-refused', HISTORY_ORDER));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^saga saga-h-refused  order ${orderId}  user hu  total 10`));
    expect(lines.slice(1, 6).map((line) => line.trim().split(/\s+/).slice(1, 4).join(' '))).toEqual([
      'order begin-checkout begun',
      'stock reserve-stock done',
      'payment charge-payment refused',
      'stock release-stock released',
      'order complete-order refused',
    ]);
    expect(lines[2]).toMatch(/item h1 10→8\s+\(saga step\)/);
    expect(lines[4]).toMatch(/item h1 8→10/);
    expect(lines[6]).toMatch(/now: refused — Not enough credit .*stock: reserve done, release done; payment: charge refused/);
    const replayed = formatHistory(await readSagaHistory('saga-h-open', HISTORY_ORDER));
    expect(replayed).toMatch(/abort-charge\s+charge fenced off\s+\(replay #\d+\)/);
    expect(replayed).toMatch(/complete-order\s+refused\s+\(replay #\d+\)/);
  });
});
