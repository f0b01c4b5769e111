// Regression tests for the holes of issue 8 (points 1, 2, 3, 5, 6): each failed on the code before
// its fix. Real Redis and real SQS; short windows so "later than the window" takes seconds.
import type { SagaMessage } from '@lib/domain/checkout';
import * as config from '@lib/clients/config';
import { logger } from '@lib/lambda/observability';
import * as redisLib from '@lib/clients/redis';
import * as replay from '@lib/saga/recovery';
import * as order from '@lib/store/order-store';
import * as payment from '@lib/store/payment-store';
import * as sagaOrder from '@lib/store/saga-order';
import * as sagaPayment from '@lib/store/saga-payment';
import * as sagaStock from '@lib/store/saga-stock';
import * as stock from '@lib/store/stock-store';
import { handler as batchInitOrders } from '../../../functions/http/order/batch-init-orders';
import { configureTest } from '../../support/config';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';
import { drain, testSqs, useStepQueues } from '../../support/saga-queues';

const sqs = testSqs();
let queues: Awaited<ReturnType<typeof useStepQueues>>;
const lib = { redis: redisLib, replay, order, payment, stock, sagaOrder, sagaStock, sagaPayment, config };
// Deadline + grace + the clocks' margin (a tenth of them) fit in the two-second retention.
const WINDOW = { SAGA_RETENTION_SECONDS: '2', CHECKOUT_DEADLINE_MS: '900', MESSAGE_GRACE_MS: '900' };
const PAST_THE_WINDOW_MS = 2_300;
const MAX = Number.MAX_SAFE_INTEGER;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  configureTest(WINDOW);
  await flushDatabase();
  queues = await useStepQueues(sqs, `aon-${process.env.JEST_WORKER_ID}`);
});
afterAll(async () => {
  sqs.destroy();
  await lib.redis.closeRedisClients();
});

const redis = (service: 'stock' | 'payment' | 'order' | 'ids') => lib.redis.redisFor(service);
let sequence = 0;
/** An item with stock 10 (price 3), a user with credit 100, and a begun checkout of 2 of the item. */
async function begun(deadlineMs: number): Promise<SagaMessage> {
  const id = `a${++sequence}`;
  await redis('stock').hset(`{stock}:item:${id}`, 'stock', 10, 'direct', 10, 'price', 3);
  await redis('payment').hset(`{payment}:user:${id}`, 'credit', 100, 'direct', 100);
  const orderId = await lib.order.createOrder(id);
  await lib.order.addItemToOrder(orderId, id, 2, 3);
  const started = await lib.sagaOrder.beginCheckout(orderId, `saga-${id}`, deadlineMs);
  if (started.kind !== 'started') throw new Error('not started');
  return started.facts;
}
const stockOf = async (saga: SagaMessage) => Number(await redis('stock').hget(`{stock}:item:${saga.lines[0][0]}`, 'stock'));
const creditOf = async (saga: SagaMessage) => Number(await redis('payment').hget(`{payment}:user:${saga.userId}`, 'credit'));
const paidOf = async (saga: SagaMessage) => (await lib.order.findOrder(saga.orderId))?.paid;

describe('1. a compensation cut short', () => {
  it('a refusal after a lone abort-charge fences the reservation (the first test of this file: no fence yet, token 0 passes)', async () => {
    const saga = await begun(1);
    // What a replay past the deadline leaves when it dies between abort-charge and release-stock.
    expect(await lib.sagaPayment.abortCharge(saga.sagaId, 0)).toBe('aborted');
    await lib.replay.replayLog({ staleMs: 0 });
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toMatchObject({ verdict: 'refused' });
    await lib.sagaStock.reserveStock(saga);
    expect(await stockOf(saga)).toBe(10);
  });

  it('still fences the reservation when a later replay finishes the refusal: a late reserve-stock takes nothing', async () => {
    const saga = await begun(1);
    // The first replay got only as far as abort-charge, then crashed before release-stock.
    const first = await lib.replay.replayLog({
      staleMs: 0,
      beforeWrite: (write) => (write === 'release-stock' ? 'crash' : undefined),
      lockMs: 300,
    });
    expect(first.note).toMatch(/crashed/);
    await sleep(400); // the crashed replay's lock expires
    const second = await lib.replay.replayLog({ staleMs: 0 });
    expect(second.lines.find((line) => line.sagaId === saga.sagaId)?.action).toBe('refuse');
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toMatchObject({ verdict: 'refused' });
    // The first reserve-stock message, still in its retry cycle, arrives within the grace.
    expect(await lib.sagaStock.reserveStock(saga)).toEqual({ status: 'fenced' });
    expect(await stockOf(saga)).toBe(10);
  });
});

describe('2. nothing acts on a saga it can no longer prove it has not handled', () => {
  it('refuses a configuration whose retention is not longer than the deadline plus the grace plus a margin for the clocks', () => {
    expect(() => lib.config.readConfig({ SAGA_RETENTION_SECONDS: '60', CHECKOUT_DEADLINE_MS: '60000' })).toThrow(
      /at least CHECKOUT_DEADLINE_MS \+ MESSAGE_GRACE_MS/,
    );
    expect(() => lib.config.readConfig({ SAGA_RETENTION_SECONDS: '120', CHECKOUT_DEADLINE_MS: '60000' })).toThrow(/margin/);
    expect(lib.config.readConfig({ SAGA_RETENTION_SECONDS: '132', CHECKOUT_DEADLINE_MS: '60000' }).messageGraceMs).toBe(60_000);
  });

  it('a charge-payment redelivered after the retention window does not charge a paid saga again', async () => {
    const saga = await begun(100);
    await lib.sagaStock.reserveStock(saga);
    await lib.sagaPayment.chargePayment(saga);
    await lib.sagaOrder.completeOrder(saga);
    await sleep(PAST_THE_WINDOW_MS);
    expect(await lib.sagaPayment.chargePayment(saga)).toEqual({ status: 'expired' });
    expect(await lib.sagaStock.reserveStock(saga)).toEqual({ status: 'expired' });
    expect([await creditOf(saga), await stockOf(saga)]).toEqual([94, 8]);
  });

  it('a late reserve-stock of an open saga takes nothing again', async () => {
    const saga = await begun(100);
    await lib.sagaStock.reserveStock(saga);
    await sleep(PAST_THE_WINDOW_MS);
    expect(await lib.sagaStock.reserveStock(saga)).toEqual({ status: 'expired' });
    expect(await stockOf(saga)).toBe(8);
    // Its markers outlived the window, so recovery still knows what to give back.
    await lib.replay.replayLog({ staleMs: 0 });
    expect(await stockOf(saga)).toBe(10);
  });

  it('a charged saga left open past the window is completed as paid, never refused with the money kept', async () => {
    const saga = await begun(100);
    await lib.sagaStock.reserveStock(saga);
    await lib.sagaPayment.chargePayment(saga);
    await sleep(PAST_THE_WINDOW_MS);
    const report = await lib.replay.replayLog({ staleMs: 0 });
    expect(report.lines.find((line) => line.sagaId === saga.sagaId)?.action).toBe('complete-paid');
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toEqual({ verdict: 'paid' });
    expect([await paidOf(saga), await creditOf(saga), await stockOf(saga)]).toEqual([true, 94, 8]);
  });

  it('memory stays bounded: the replay sweeps the step markers of sagas finished longer than the retention ago', async () => {
    const saga = await begun(100);
    await lib.sagaStock.reserveStock(saga);
    await lib.sagaPayment.chargePayment(saga);
    await lib.sagaOrder.completeOrder(saga);
    await lib.replay.replayLog({ staleMs: 0 });
    expect(await redis('stock').exists(lib.sagaStock.stockMarkerKey(saga.sagaId))).toBe(1);
    await sleep(PAST_THE_WINDOW_MS);
    const report = await lib.replay.replayLog({ staleMs: 0 });
    expect(report.swept).toBeGreaterThanOrEqual(1);
    expect(await redis('stock').exists(lib.sagaStock.stockMarkerKey(saga.sagaId))).toBe(0);
    expect(await redis('payment').exists(lib.sagaPayment.paymentMarkerKey(saga.sagaId))).toBe(0);
    expect(await redis('order').zscore(lib.sagaOrder.FINISHED_SAGAS_KEY, saga.sagaId)).toBeNull();
  });
});

describe('3. batch_init of orders racing a checkout', () => {
  it('keeps an order a running saga holds, so the saga marks it paid; the call says so with a 409', async () => {
    await redis('stock').hset('{stock}:item:0', 'stock', 10, 'direct', 10, 'price', 1);
    await redis('payment').hset('{payment}:user:0', 'credit', 100, 'direct', 100);
    await lib.order.batchInitOrders(2, 1, 1, 1);
    const started = await lib.sagaOrder.beginCheckout('0', `saga-batch-${++sequence}`, 60_000);
    if (started.kind !== 'started') throw new Error('not started');
    const handler = batchInitOrders;
    const answer = await call(handler, { n: '2', n_items: '1', n_users: '1', item_price: '1' });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatch(/1 order\(s\) were being checked out .*\(0\)/);
    const saga = started.facts;
    await lib.sagaStock.reserveStock(saga);
    await lib.sagaPayment.chargePayment(saga);
    await lib.sagaOrder.completeOrder(saga);
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toEqual({ verdict: 'paid' });
    expect([await paidOf(saga), await creditOf(saga)]).toEqual([true, 98]);
    // Once the checkout has finished, the same call initialises every order.
    expect((await call(handler, { n: '2', n_items: '1', n_users: '1', item_price: '1' })).status).toBe(200);
    expect(await paidOf(saga)).toBe(false);
  });

  it('complete-order never writes paid for an order that no longer holds its saga', async () => {
    const saga = await begun(60_000);
    await lib.sagaStock.reserveStock(saga);
    await lib.sagaPayment.chargePayment(saga);
    await redis('order').hset(`{order}:order:${saga.orderId}`, 'checkout', '');
    await expect(lib.sagaOrder.completeOrder(saga)).rejects.toThrow(/no longer holds saga/);
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toBeNull();
  });
});

describe('5. sums that would overflow', () => {
  it('refuses, with a 400 at once, an item whose summed quantity would pass 2^53-1, even at price 0', async () => {
    const id = `free${++sequence}`;
    await redis('stock').hset(`{stock}:item:${id}`, 'stock', 10, 'direct', 10, 'price', 0);
    const orderId = await lib.order.createOrder('u');
    await lib.order.addItemToOrder(orderId, id, MAX, 0);
    await expect(lib.order.addItemToOrder(orderId, id, 1, 0)).rejects.toMatchObject({ kind: 'invalid' });
    expect((await lib.order.findOrder(orderId))?.items).toEqual([[id, MAX]]);
  });

  it('refuses at once to check out an order whose lines sum past 2^53-1, leaving it free', async () => {
    const orderId = await lib.order.createOrder('u');
    await redis('order').hset(`{order}:order:${orderId}`, 'items', `i ${MAX},i ${MAX}`);
    await expect(lib.sagaOrder.beginCheckout(orderId, `saga-over-${++sequence}`)).rejects.toMatchObject({
      kind: 'invalid',
    });
    expect(await redis('order').hget(`{order}:order:${orderId}`, 'checkout')).toBeNull();
  });

  it('release-stock never lifts stock past 2^53-1: what does not fit is logged as discarded and the books still balance', async () => {
    const saga = await begun(60_000);
    await lib.sagaStock.reserveStock(saga);
    // A batch_init resets the item to the bound while the saga holds 2 of it.
    await redis('stock').hset(`{stock}:item:${saga.lines[0][0]}`, 'stock', MAX, 'direct', MAX);
    await lib.sagaStock.releaseStock({ ...saga, refusal: 'no credit' });
    expect(await stockOf(saga)).toBe(MAX);
    const direct = Number(await redis('stock').hget(`{stock}:item:${saga.lines[0][0]}`, 'direct'));
    expect(direct).toBe(MAX - 2);
    const [last] = await redis('stock').xrevrange('{stock}:log', '+', '-', 'COUNT', 1);
    expect(last[1]).toEqual(
      expect.arrayContaining(['discarded', `${saga.lines[0][0]} 2`, 'balances', `${saga.lines[0][0]} ${MAX} ${MAX}`]),
    );
  });
});

describe('6. safe by construction', () => {
  it('a replay still runs when the order Redis lost its epoch while a service holds a higher fence', async () => {
    const saga = await begun(1);
    await lib.sagaStock.reserveStock(saga);
    await redis('payment').set(lib.sagaPayment.PAYMENT_FENCE_KEY, 1_000_000);
    await redis('order').del('{order}:recovery:epoch');
    const report = await lib.replay.replayLog({ staleMs: 0 });
    expect(report.token).toBeGreaterThan(1_000_000);
    expect(await lib.sagaOrder.readVerdict(saga.sagaId)).toMatchObject({ verdict: 'refused' });
    expect(await stockOf(saga)).toBe(10);
  });

  it('a replay whose lock expired while it worked says it ran, with what it wrote', async () => {
    const saga = await begun(1);
    const report = await lib.replay.replayLog({
      staleMs: 0,
      beforeWrite: async () => void (await redis('order').del('{order}:recovery:lock')),
    });
    expect(report.ran).toBe(true);
    expect(report.note).toMatch(/lock/);
    expect(report.lines.find((line) => line.sagaId === saga.sagaId)?.action).toBe('compensate');
  });

  it("a saga id handed out again never starts a second saga over the first one's record and markers", async () => {
    const saga = await begun(60_000);
    await lib.sagaStock.reserveStock(saga);
    const other = await lib.order.createOrder(saga.userId);
    await lib.order.addItemToOrder(other, saga.lines[0][0], 1, 3);
    await expect(lib.sagaOrder.beginCheckout(other, saga.sagaId)).rejects.toThrow(/already taken/);
    expect(await redis('order').hget(`{order}:order:${other}`, 'checkout')).toBeNull();
    expect(await redis('order').hget(`{order}:saga:${saga.sagaId}`, 'order_id')).toBe(saga.orderId);
  });

  it('a create never overwrites an existing entity when the id counter goes back', async () => {
    const first = await lib.payment.createUser();
    await lib.payment.changeCredit(first, 50);
    const counter = Number(await redis('ids').get('{ids}:next'));
    await redis('ids').set('{ids}:next', counter - 100); // the block that held `first`, handed out again
    const created = new Set<string>();
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => {});
    for (let i = 0; i < 150; i++) created.add(await lib.payment.createUser());
    warn.mockRestore();
    expect(created.has(first)).toBe(false);
    expect(created.size).toBe(150);
    expect(await lib.payment.findUser(first)).toEqual({ user_id: first, credit: 50 });
  });
});

afterAll(async () => {
  for (const step of Object.values(queues)) await drain(sqs, step);
});
