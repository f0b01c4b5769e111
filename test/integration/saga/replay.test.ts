import type { SagaMessage } from '@lib/domain/checkout';
import { changeStock } from '@lib/store/stock-store';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import * as replay from '@lib/saga/recovery';
import * as order from '@lib/store/order-store';
import * as sagaOrder from '@lib/store/saga-order';
import * as sagaPayment from '@lib/store/saga-payment';
import * as sagaStock from '@lib/store/saga-stock';
import { configureTest } from '../../support/config';
import { flushDatabase } from '../../support/redis-state';
import { drain, testSqs, useStepQueues } from '../../support/saga-queues';

const sqs = testSqs();
let queues: Awaited<ReturnType<typeof useStepQueues>>;

beforeAll(async () => {
  // A two-second retention (deadline 0.9 s + grace 0.9 s + the clocks' margin, 0.18 s).
  configureTest({ SAGA_RETENTION_SECONDS: '2', CHECKOUT_DEADLINE_MS: '900', MESSAGE_GRACE_MS: '900' });
  await flushDatabase();
  queues = await useStepQueues(sqs, `replay-${process.env.JEST_WORKER_ID}`);
});
afterAll(async () => {
  sqs.destroy();
  await closeRedisClients();
});

let sequence = 0;
async function begun(deadlineMs: number): Promise<SagaMessage> {
  const id = `r${++sequence}`;
  await redisFor('stock').hset(`{stock}:item:${id}`, 'stock', 10, 'direct', 10, 'price', 3);
  await redisFor('payment').hset(`{payment}:user:${id}`, 'credit', 100, 'direct', 100);
  const orderId = await order.createOrder(id);
  await order.addItemToOrder(orderId, id, 2, 3);
  const started = await sagaOrder.beginCheckout(orderId, `saga-${id}`, deadlineMs);
  if (started.kind !== 'started') throw new Error('not started');
  return started.facts;
}

const stockOf = async (saga: SagaMessage) => Number(await redisFor('stock').hget(`{stock}:item:${saga.lines[0][0]}`, 'stock'));
const creditOf = async (saga: SagaMessage) => Number(await redisFor('payment').hget(`{payment}:user:${saga.userId}`, 'credit'));
const lineOf = (report: Awaited<ReturnType<typeof replay.replayLog>>, saga: SagaMessage) =>
  report.lines.find((line) => line.sagaId === saga.sagaId);

describe('replay-log', () => {
  it('leaves a saga alone while it moves, then re-sends its lost first message within the deadline', async () => {
    const saga = await begun(60_000);
    expect(lineOf(await replay.replayLog({ staleMs: 60_000 }), saga)?.result).toBe('left alone');
    expect(lineOf(await replay.replayLog({ staleMs: 0 }), saga)?.result).toBe('re-sent reserve-stock');
    expect(await drain(sqs, queues['reserve-stock'])).toEqual([saga]);
  });

  it('compensates a reserved saga past its deadline: fences the charge, gives the stock back, refuses the order', async () => {
    const saga = await begun(1);
    await sagaStock.reserveStock(saga);
    expect(await stockOf(saga)).toBe(8);
    const line = lineOf(await replay.replayLog({ staleMs: 0 }), saga);
    expect(line?.action).toBe('compensate');
    expect(await stockOf(saga)).toBe(10);
    expect(await sagaOrder.readVerdict(saga.sagaId)).toEqual({
      verdict: 'refused',
      reason: expect.stringMatching(/did not finish in time/),
    });
    // The charge message that was only delayed arrives now: it cannot take the money.
    expect(await sagaPayment.chargePayment(saga)).toEqual({ status: 'fenced' });
    expect(await creditOf(saga)).toBe(100);
  });

  it('rolls a charged saga forward even past its deadline: never a refund', async () => {
    const saga = await begun(1);
    await sagaStock.reserveStock(saga);
    await sagaPayment.chargePayment(saga);
    expect(lineOf(await replay.replayLog({ staleMs: 0 }), saga)?.action).toBe('complete-paid');
    expect(await sagaOrder.readVerdict(saga.sagaId)).toEqual({ verdict: 'paid' });
    expect((await order.findOrder(saga.orderId))?.paid).toBe(true);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([8, 94]);
  });

  it('refuses a write from a recovery whose token is older than one that already wrote', async () => {
    const saga = await begun(1);
    await sagaStock.reserveStock(saga);
    await sagaStock.releaseReservation({ ...saga, sagaId: 'other' }, '1000000');
    expect(await sagaStock.releaseReservation(saga, '999999')).toBe('fenced');
    expect(await stockOf(saga)).toBe(8);
    expect(await sagaPayment.abortCharge(saga.sagaId, 5)).toBe('aborted');
    expect(await sagaPayment.abortCharge(saga.sagaId, 4)).toBe('fenced');
    await redisFor('stock').del(sagaStock.STOCK_FENCE_KEY);
    await replay.replayLog({ staleMs: 0 });
  });

  it('runs one replay at a time', async () => {
    await begun(60_000);
    const [first, second] = await Promise.all([replay.replayLog({ staleMs: 0 }), replay.replayLog({ staleMs: 0 })]);
    expect([first.ran, second.ran].sort()).toEqual([false, true]);
    expect([first, second].find((report) => !report.ran)?.note).toMatch(/another replay holds the lock/);
    await drain(sqs, queues['reserve-stock']);
  });

  it('lets finished sagas expire and trims the log after the retention window', async () => {
    const saga = await begun(60_000);
    await sagaOrder.completeOrder(saga);
    const ttl = await redisFor('order').pttl(`{order}:saga:${saga.sagaId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
    // Enough entries to fill whole stream nodes, which is what approximate trimming removes.
    for (let i = 0; i < 300; i++) await redisFor('stock').hset(`{stock}:item:t${i}`, 'stock', 1, 'direct', 1);
    for (let i = 0; i < 300; i++) await changeStock(`t${i}`, 1);
    const before = await redisFor('stock').xlen('{stock}:log');
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    for (let i = 0; i < 10; i++) await changeStock(`t${i}`, 1);
    expect(await redisFor('stock').xlen('{stock}:log')).toBeLessThan(before);
    expect(await redisFor('order').exists(`{order}:saga:${saga.sagaId}`)).toBe(0);
  });
});
