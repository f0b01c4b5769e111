// Regression tests for issue 19, points 4 and 8: batch_init of items, users and orders while
// checkouts run, and what `npm run check` makes of it afterwards. Each failed on the code before
// the fix (a release gave back into the new stock; check counted a paid order against balances a
// later batch_init had set, and lost the paid orders batch_init of orders replaced).
// Real Redis and real SQS; short windows so "past the deadline" takes seconds.
import type { SagaMessage, StepOutcome } from '@lib/domain/checkout';
import { checkInvariants } from '@lib/domain/invariants';
import * as redisLib from '@lib/clients/redis';
import { replayLog } from '@lib/saga/recovery';
import { auditLogs, readSystemState } from '@lib/store/inspection';
import { addItemToOrder, batchInitOrders, findOrder } from '@lib/store/order-store';
import { beginCheckout, completeOrder } from '@lib/store/saga-order';
import { chargePayment, PAYMENT_FENCE_KEY, refundCharge } from '@lib/store/saga-payment';
import { releaseOrphanReservation, releaseStock, reserveStock, STOCK_FENCE_KEY } from '@lib/store/saga-stock';
import { nextMessage, type StepName } from '@lib/saga/steps';
import { handler as batchInitItems } from '../../../functions/http/stock/batch-init-items';
import { handler as batchInitUsers } from '../../../functions/http/payment/batch-init-users';
import { configureTest } from '../../support/config';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';
import { testSqs, useStepQueues } from '../../support/saga-queues';

const sqs = testSqs();
const PAST_THE_DEADLINE_MS = 1_300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const redis = (service: 'stock' | 'payment' | 'order') => redisLib.redisFor(service);

beforeAll(async () => {
  configureTest({ SAGA_RETENTION_SECONDS: '3', CHECKOUT_DEADLINE_MS: '1000', MESSAGE_GRACE_MS: '1000' });
  await useStepQueues(sqs, `bir-${process.env.JEST_WORKER_ID}`);
});
beforeEach(flushDatabase);
afterAll(async () => {
  sqs.destroy();
  await redisLib.closeRedisClients();
});

let sequence = 0;
/** Items "0", "1" (stock 10, price 3) and user "0" (credit `credit`), all by batch_init; order "0" of 2 × item 0, begun. */
async function begunOnBatch(credit: number, deadlineMs = 60_000): Promise<SagaMessage> {
  expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
  expect((await call(batchInitUsers, { n: '1', starting_money: String(credit) })).status).toBe(200);
  await batchInitOrders(1, 1, 1, 0);
  await redis('order').hset('{order}:order:0', 'items', '', 'total_cost', 0);
  await addItemToOrder('0', '0', 2, 3);
  const started = await beginCheckout('0', `saga-bir-${++sequence}`, deadlineMs);
  if (started.kind !== 'started') throw new Error('not started');
  return started.facts;
}
/** Runs one step as its handler would; returns the message it sends on (or the same one). */
async function step(name: StepName, run: (message: SagaMessage) => Promise<StepOutcome>, message: SagaMessage): Promise<SagaMessage> {
  return nextMessage(name, message, await run(message))?.message ?? message;
}
const stockOf = async (item: string) => Number(await redis('stock').hget(`{stock}:item:${item}`, 'stock'));
const creditOf = async (user: string) => Number(await redis('payment').hget(`{payment}:user:${user}`, 'credit'));
async function checkSays(): Promise<string[]> {
  const state = await readSystemState();
  return [...checkInvariants(state).violations, ...(await auditLogs(state)).violations];
}

describe('4. batch_init of items or users while a saga holds their stock or credit', () => {
  it('a checkout refused after batch_init of items set the stock to 10 leaves it at 10: nothing is given back into the new stock', async () => {
    const saga = await begunOnBatch(0); // no credit: the charge is refused
    await reserveStock(saga);
    expect(await stockOf('0')).toBe(8);
    expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
    const charge = await chargePayment(saga);
    expect(charge.status).toBe('refused');
    const refusal = { ...saga, refusal: 'Not enough credit.' };
    await releaseStock(refusal);
    await completeOrder(refusal);
    expect(await stockOf('0')).toBe(10);
    expect(await checkSays()).toEqual([]);
  });

  it('the same when recovery compensates the saga past its deadline', async () => {
    const saga = await begunOnBatch(100, 1);
    await reserveStock(saga);
    expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
    await sleep(PAST_THE_DEADLINE_MS);
    const report = await replayLog({ staleMs: 0 });
    expect(report.lines.find((line) => line.sagaId === saga.sagaId)?.action).toBe('compensate');
    expect([await stockOf('0'), await creditOf('0')]).toEqual([10, 100]);
    expect(await checkSays()).toEqual([]);
  });

  it('a checkout paid after batch_init of users set the credit: check counts the charge against the generation it came from', async () => {
    const saga = await begunOnBatch(100);
    const charging = await step('reserve-stock', reserveStock, saga);
    const completing = await step('charge-payment', chargePayment, charging);
    expect(await creditOf('0')).toBe(94);
    expect((await call(batchInitUsers, { n: '1', starting_money: '100' })).status).toBe(200);
    await completeOrder(completing);
    expect((await findOrder('0'))?.paid).toBe(true);
    expect(await creditOf('0')).toBe(100);
    expect(await checkSays()).toEqual([]);
  });

  it('a checkout paid after batch_init of users, the verdict written by recovery: the same', async () => {
    const saga = await begunOnBatch(100);
    await reserveStock(saga);
    await chargePayment(saga);
    expect((await call(batchInitUsers, { n: '1', starting_money: '100' })).status).toBe(200);
    expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
    const report = await replayLog({ staleMs: 0 });
    expect(report.lines.find((line) => line.sagaId === saga.sagaId)?.action).toBe('complete-paid');
    expect([(await findOrder('0'))?.paid, await stockOf('0'), await creditOf('0')]).toEqual([true, 10, 100]);
    expect(await checkSays()).toEqual([]);
  });

  it('recovery giving back an orphan (a saga the order service lost) gives nothing back into balances a batch_init set since', async () => {
    const saga = await begunOnBatch(100);
    await reserveStock(saga);
    await chargePayment(saga);
    expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
    expect((await call(batchInitUsers, { n: '1', starting_money: '100' })).status).toBe(200);
    const fences = await Promise.all([redis('payment').get(PAYMENT_FENCE_KEY), redis('stock').get(STOCK_FENCE_KEY)]);
    const token = Math.max(0, ...fences.map(Number)) + 1;
    expect(await refundCharge(saga.sagaId, '0', token)).toBe('refunded');
    expect(await releaseOrphanReservation(saga.sagaId, ['0'], token)).toBe('released');
    expect([await stockOf('0'), await creditOf('0')]).toEqual([10, 100]);
    const [[, refund]] = await redis('payment').xrevrange('{payment}:log', '+', '-', 'COUNT', 1);
    expect(refund).toEqual(expect.arrayContaining(['superseded', '1', 'amount', '0']));
  });

  it('a checkout that takes after batch_init counts against the new balances, and check still sees a wrong one', async () => {
    const saga = await begunOnBatch(100);
    await completeOrder(await step('charge-payment', chargePayment, await step('reserve-stock', reserveStock, saga)));
    expect(await checkSays()).toEqual([]);
    await redis('payment').hincrby('{payment}:user:0', 'credit', 6); // a refund behind everyone's back
    expect(await checkSays()).toEqual([
      'user 0: credit 100, but their changes and paid orders give 94',
      'user 0: the log ends at 94, but the balance is 100: changed outside the log',
    ]);
  });
});

describe('8. check after batch_init of orders', () => {
  it('still counts the paid orders batch_init of orders replaced: a correct state passes', async () => {
    const saga = await begunOnBatch(100);
    await completeOrder(await step('charge-payment', chargePayment, await step('reserve-stock', reserveStock, saga)));
    expect(await checkSays()).toEqual([]);
    await batchInitOrders(1, 2, 1, 1);
    expect((await findOrder('0'))?.paid).toBe(false);
    expect(await checkSays()).toEqual([]);
    // ... and once items and users are set afresh, the replaced order no longer counts against them.
    expect((await call(batchInitItems, { n: '2', starting_stock: '10', item_price: '3' })).status).toBe(200);
    expect((await call(batchInitUsers, { n: '1', starting_money: '100' })).status).toBe(200);
    expect(await checkSays()).toEqual([]);
  });
});
