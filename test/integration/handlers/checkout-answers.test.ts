import { closeRedisClients } from '@lib/clients/redis';
import { closeVerdictSubscriber } from '@lib/saga/verdict-waiter';
import { closeSqsClient } from '@lib/clients/sqs';
import * as order from '@lib/store/order-store';
import * as payment from '@lib/store/payment-store';
import * as stock from '@lib/store/stock-store';
import { handler as checkout } from '../../../functions/http/order/checkout';
import { freePort } from '../../../scripts/stack/free-port';
import { configureTest } from '../../support/config';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';
import { testSqs, useStepQueues } from '../../support/saga-queues';

// The checkout's 503 and 504 are designed answers: their sentences tell the client the outcome is
// open and where to look it up. Real Redis and the test's SQS endpoint; nothing runs the saga's
// steps here, so a saga begun stays open.

const sqs = testSqs();

beforeAll(async () => {
  // No verdict can come: the wait for it ends at once (the saga stays open, its message queued).
  configureTest({ CHECKOUT_WAIT_MS: '50' });
  await flushDatabase();
  await useStepQueues(sqs, `answers-${process.env.JEST_WORKER_ID}`);
});
afterAll(async () => {
  closeSqsClient();
  await closeVerdictSubscriber();
  await closeRedisClients();
  sqs.destroy();
});

async function newOrder(): Promise<string> {
  const user = await payment.createUser();
  await payment.changeCredit(user, 100);
  const item = await stock.createItem(10);
  await stock.changeStock(item, 5);
  const orderId = await order.createOrder(user);
  await order.addItemToOrder(orderId, item, 1, 10);
  return orderId;
}

describe('the checkout answers a client whose outcome is still open with its own sentence', () => {
  it('504 when no verdict came within the wait: still in progress, and where to look it up', async () => {
    const order_id = await newOrder();
    const answer = await call(checkout, { order_id });
    expect(answer).toEqual({
      status: 504,
      contentType: 'application/json',
      body: {
        error: `The checkout of order ${order_id} is still in progress; look it up with GET /orders/find/${order_id}.`,
      },
    });
  });

  it('503 when its first message could not be sent: not started now, recovery finishes or cancels it', async () => {
    const order_id = await newOrder();
    // An SQS endpoint that nothing listens on: every send is refused by the host.
    configureTest({ SQS_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    try {
      const answer = await call(checkout, { order_id });
      expect(answer).toEqual({
        status: 503,
        contentType: 'application/json',
        body: {
          error: `The checkout of order ${order_id} could not be started now; recovery will finish or cancel it.`,
        },
      });
    } finally {
      configureTest({ SQS_ENDPOINT: process.env.SQS_ENDPOINT });
    }
  });
});
