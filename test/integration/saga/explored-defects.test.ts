// Defects the model-based exploration (test/model, npm run explore) found, each pinned by the
// shortest sequence it shrank to, against real Redis.
import type { SagaMessage } from '@lib/domain/checkout';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { auditLogs, readSystemState } from '@lib/store/inspection';
import { addItemToOrder, batchInitOrders, createOrder } from '@lib/store/order-store';
import { beginCheckout } from '@lib/store/saga-order';
import { chargePayment } from '@lib/store/saga-payment';
import { releaseStock, reserveStock } from '@lib/store/saga-stock';
import { changeStock } from '@lib/store/stock-store';
import { defineScript } from '@lib/store/script';
import { flushDatabase } from '../../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

const MAX = Number.MAX_SAFE_INTEGER;
let sequence = 0;
async function begun(item: string, quantity: number, price: number): Promise<SagaMessage> {
  const user = `eu${++sequence}`;
  await redisFor('payment').hset(`{payment}:user:${user}`, 'credit', 100, 'direct', 100);
  const orderId = await createOrder(user);
  await addItemToOrder(orderId, item, quantity, price);
  const started = await beginCheckout(orderId, `saga-e${sequence}`, 60_000);
  if (started.kind !== 'started') throw new Error('not started');
  return started.facts;
}

describe('found by exploration', () => {
  it('an order that costs 0 is charged (nothing) and paid, not failed forever on "-0"', async () => {
    await redisFor('stock').hset('{stock}:item:0', 'stock', 10, 'direct', 10, 'price', 0);
    await redisFor('payment').hset('{payment}:user:0', 'credit', 5, 'direct', 5);
    await batchInitOrders(1, 1, 1, 0);
    const started = await beginCheckout('0', `saga-free-${++sequence}`, 60_000);
    if (started.kind !== 'started') throw new Error('not started');
    await reserveStock(started.facts);
    expect(await chargePayment(started.facts)).toMatchObject({ status: 'done' });
    expect(await redisFor('payment').hget('{payment}:user:0', 'credit')).toBe('5');
  });

  it('the log records stock of 10^14 and more exactly, so the audit finds no change outside the log', async () => {
    await redisFor('stock').hset('{stock}:item:big', 'stock', 0, 'direct', 0, 'price', 1);
    await changeStock('big', MAX - 10);
    const saga = await begun('big', 3, 1);
    await reserveStock(saga);
    await releaseStock({ ...saga, refusal: 'no' });
    const entries = await redisFor('stock').xrange('{stock}:log', '-', '+');
    const balances = entries
      .filter(([, fields]) => fields.includes('balances') && fields[fields.indexOf('balances') + 1].startsWith('big'))
      .map(([, fields]) => fields[fields.indexOf('balances') + 1]);
    expect(balances).toEqual([`big ${MAX - 10} ${MAX - 13}`, `big ${MAX - 13} ${MAX - 10}`]);
    expect((await auditLogs(await readSystemState())).violations).toEqual([]);
  });

  it('a direct change never lifts the `direct` baseline past 2^53-1 while a saga holds stock', async () => {
    await redisFor('stock').hset('{stock}:item:held', 'stock', 10, 'direct', 10, 'price', 1);
    const saga = await begun('held', 2, 1);
    await reserveStock(saga);
    // stock 8 + (MAX - 9) fits, but direct 10 + (MAX - 9) would not.
    await expect(changeStock('held', MAX - 9)).rejects.toMatchObject({ kind: 'invalid' });
    expect(await redisFor('stock').hmget('{stock}:item:held', 'stock', 'direct')).toEqual(['8', '10']);
    expect(await changeStock('held', MAX - 10)).toBe(MAX - 2);
  });

  it('a script first used while auto-pipelining holds other commands runs, and nothing crashes the process', async () => {
    const client = redisFor('order');
    const script = defineScript({
      name: 'first-use',
      source: `return {'n', ${++sequence} + #KEYS} -- first use ${Date.now()}`,
      keys: ['k'],
      reply: { n: { value: 'integer' } },
    });
    const crashes: unknown[] = [];
    const listener = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', listener);
    const results = await Promise.all([
      client.get('{order}:nothing'),
      script(client, { k: '{order}:k' }),
      client.incr('{order}:n'),
      script(client, { k: '{order}:k' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('uncaughtException', listener);
    expect(results[1]).toEqual({ status: 'n', value: sequence + 1 });
    expect(results[3]).toEqual({ status: 'n', value: sequence + 1 });
    expect(crashes).toEqual([]);
  });
});
