import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { SagaMessage } from '@lib/domain/checkout';
import { logger } from '@lib/lambda/observability';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import * as order from '@lib/store/order-store';
import * as sagaOrder from '@lib/store/saga-order';
import { handler as chargePayment } from '../../../functions/saga/charge-payment';
import { handler as completeOrder } from '../../../functions/saga/complete-order';
import { handler as releaseStock } from '../../../functions/saga/release-stock';
import { handler as reserveStock } from '../../../functions/saga/reserve-stock';
import { drain, testSqs, useStepQueues } from '../../support/saga-queues';
import { flushDatabase, snapshot } from '../../support/redis-state';

const sqs = testSqs();
let queues: Awaited<ReturnType<typeof useStepQueues>>;
type Handler = (event: SQSEvent, context: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
const steps = {
  reserve: reserveStock as unknown as Handler,
  charge: chargePayment as unknown as Handler,
  complete: completeOrder as unknown as Handler,
  release: releaseStock as unknown as Handler,
};

beforeAll(async () => {
  await flushDatabase();
  queues = await useStepQueues(sqs, `idem-${process.env.JEST_WORKER_ID}`);
});
afterAll(async () => {
  sqs.destroy();
  await closeRedisClients();
});

let sequence = 0;
const record = (message: SagaMessage | string): SQSRecord =>
  ({
    messageId: `m${++sequence}`,
    body: typeof message === 'string' ? message : JSON.stringify(message),
  }) as SQSRecord;
const event = (...messages: (SagaMessage | string)[]): SQSEvent => ({ Records: messages.map(record) });
const run = (handler: Handler, ...messages: (SagaMessage | string)[]) => handler(event(...messages), {});

/** A fresh user, two items and a begun checkout of an order holding them. */
async function begunSaga(credit: number, stock: number): Promise<SagaMessage> {
  const redis = redisFor('stock');
  const id = `t${++sequence}`;
  await redis.hset(`{stock}:item:${id}a`, 'stock', stock, 'price', 2);
  await redis.hset(`{stock}:item:${id}b`, 'stock', stock, 'price', 3);
  await redis.hset(`{payment}:user:${id}u`, 'credit', credit);
  const orderId = await order.createOrder(`${id}u`);
  await order.addItemToOrder(orderId, `${id}a`, 1, 2);
  await order.addItemToOrder(orderId, `${id}b`, 2, 3);
  await order.addItemToOrder(orderId, `${id}a`, 1, 2);
  const begun = await sagaOrder.beginCheckout(orderId, `saga-${id}`, 60_000);
  if (begun.kind !== 'started') throw new Error('not started');
  return begun.facts;
}

const stockOf = async (itemId: string) => Number(await redisFor('stock').hget(`{stock}:item:${itemId}`, 'stock'));
const creditOf = async (userId: string) => Number(await redisFor('payment').hget(`{payment}:user:${userId}`, 'credit'));

describe('every step and compensation, delivered twice', () => {
  it('reserve-stock takes the summed quantities once, and both deliveries pass the saga on', async () => {
    const saga = await begunSaga(100, 10);
    expect(saga.lines).toEqual([
      [saga.lines[0][0], 2],
      [saga.lines[1][0], 2],
    ]);
    expect((await run(steps.reserve, saga)).batchItemFailures).toEqual([]);
    // The log names the delivery that did the work, for `npm run saga`.
    const [[, logged]] = await redisFor('stock').xrevrange('{stock}:log', '+', '-', 'COUNT', 1);
    expect(logged).toEqual(expect.arrayContaining(['by', `message m${sequence}, receive ?`]));
    const once = await snapshot();
    expect(await stockOf(saga.lines[0][0])).toBe(8);
    await run(steps.reserve, saga);
    expect(await snapshot()).toEqual(once);
    // A redelivery re-sends the next message (the first send may have been lost); charge is idempotent too.
    // Both carry the batch_init generation the reservation took from (none here: 0), the first one's.
    const passedOn = { ...saga, stockGeneration: 0 };
    expect(await drain(sqs, queues['charge-payment'])).toEqual([passedOn, passedOn]);
  });

  it('charge-payment charges once', async () => {
    const saga = await begunSaga(100, 10);
    await run(steps.charge, saga);
    const once = await snapshot();
    await run(steps.charge, saga);
    expect(await snapshot()).toEqual(once);
    expect(await creditOf(saga.userId)).toBe(100 - saga.totalCost);
    await drain(sqs, queues['complete-order']);
  });

  it('complete-order marks the order paid once, and a late refusal cannot undo it', async () => {
    const saga = await begunSaga(100, 10);
    await run(steps.complete, saga);
    const once = await snapshot();
    await run(steps.complete, saga);
    await run(steps.complete, { ...saga, refusal: 'too late' });
    expect(await snapshot()).toEqual(once);
    expect((await order.findOrder(saga.orderId))?.paid).toBe(true);
    expect(await sagaOrder.readVerdict(saga.sagaId)).toEqual({ verdict: 'paid' });
  });

  it('release-stock gives back exactly what was taken, once', async () => {
    const saga = await begunSaga(0, 10);
    await run(steps.reserve, saga);
    const refusal = { ...saga, refusal: 'no credit' };
    await run(steps.release, refusal);
    const once = await snapshot();
    await run(steps.release, refusal);
    expect(await snapshot()).toEqual(once);
    expect(await stockOf(saga.lines[0][0])).toBe(10);
    expect(await stockOf(saga.lines[1][0])).toBe(10);
    expect(await drain(sqs, queues['complete-order'])).toEqual([refusal, refusal]);
    await drain(sqs, queues['charge-payment']);
  });

  it('a refused reservation takes nothing and stays refused with the same reason', async () => {
    const saga = await begunSaga(100, 1);
    await run(steps.reserve, saga);
    await run(steps.reserve, saga);
    expect(await stockOf(saga.lines[0][0])).toBe(1);
    const [first, second] = await drain(sqs, queues['complete-order']);
    expect(first.refusal).toMatch(new RegExp(`Not enough stock for item ${saga.lines[0][0]}: 1 left, 2 wanted`));
    expect(second).toEqual(first);
  });
});

describe('out of order', () => {
  it('a release that arrives before its reservation fences it off: no stock is ever taken', async () => {
    const saga = await begunSaga(100, 10);
    await run(steps.release, { ...saga, refusal: 'cancelled' });
    await run(steps.reserve, saga);
    expect(await stockOf(saga.lines[0][0])).toBe(10);
    expect(await drain(sqs, queues['charge-payment'])).toEqual([]);
    await drain(sqs, queues['complete-order']);
  });

  it('a reservation redelivered after its release changes nothing', async () => {
    const saga = await begunSaga(100, 10);
    await run(steps.reserve, saga);
    await run(steps.release, { ...saga, refusal: 'cancelled' });
    const released = await snapshot();
    await run(steps.reserve, saga);
    expect(await snapshot()).toEqual(released);
    expect(await stockOf(saga.lines[0][0])).toBe(10);
    await drain(sqs, queues['charge-payment']);
    await drain(sqs, queues['complete-order']);
  });

  it('a complete-order redelivered after a new checkout began does not release the new one', async () => {
    const saga = await begunSaga(100, 10);
    await run(steps.complete, { ...saga, refusal: 'no stock' });
    const next = await sagaOrder.beginCheckout(saga.orderId, `${saga.sagaId}-again`, 60_000);
    expect(next.kind).toBe('started');
    await run(steps.complete, { ...saga, refusal: 'no stock' });
    expect(await redisFor('order').hget(`{order}:order:${saga.orderId}`, 'checkout')).toBe(`${saga.sagaId}-again`);
  });
});

describe('batches', () => {
  it('reports only the failed record of a batch', async () => {
    const saga = await begunSaga(100, 10);
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const result = await steps.reserve(event(saga, 'not a saga message'), {});
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: `m${sequence}` }]);
    expect(logged).toHaveBeenCalledTimes(1);
    const [message, ...keyObjects] = logged.mock.calls[0] as [string, ...object[]];
    expect(message).toContain('failed and will be retried');
    expect(Object.assign({}, ...keyObjects)).toMatchObject({
      messageId: `m${sequence}`,
      error: expect.any(Error),
    });
    logged.mockRestore();
    expect(await stockOf(saga.lines[0][0])).toBe(8);
    await drain(sqs, queues['charge-payment']);
  });
});
