// Issue 19, defects 1–3: a failover to a replica that missed a write. With REDIS_DURABILITY=
// replicas:1 no message leaves, and no client is answered, before the write it rests on is on the
// replica; so promoting the replica loses nothing anyone acted on. Each test failed on the code
// before lib/store/durability.ts, which ignored the setting: the message went out, the client got
// its 200, and the failover broke the invariant. Real master and replica (two redis-servers).
import Redis from 'ioredis';
import { closeRedisClients } from '@lib/clients/redis';
import { replayLog } from '@lib/saga/recovery';
import { sendToStep } from '@lib/saga/queues';
import { closeVerdictSubscriber } from '@lib/saga/verdict-waiter';
import * as sagaOrder from '@lib/store/saga-order';
import { handler as checkoutHandler } from '../../../functions/http/order/checkout';
import { configureTest } from '../../support/config';
import { call, type Answer } from '../../support/lambda';
import { startReplicaPair, type ReplicaPair } from '../../support/replica-pair';
import { sagaPump, type SagaPump } from '../../support/saga-pump';
import { smallShop } from '../../support/small-shop';
import { testSqs, useStepQueues } from '../../support/saga-queues';
import type { StepName } from '@lib/saga/steps';

const sqs = testSqs();
let queues: Record<StepName, string>;
let pair: ReplicaPair;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A replica gets 1 s to acknowledge (ample on a loaded machine: a wait that falls short is the
// fault under test); a saga's deadline is 4 s, so that a retried step still acts, and "past the
// deadline" takes seconds.
const DEADLINE_MS = 4_000;
const SETTINGS = {
  REDIS_DURABILITY: 'replicas:1:1000',
  CHECKOUT_DEADLINE_MS: String(DEADLINE_MS),
  MESSAGE_GRACE_MS: '2000',
  SAGA_RETENTION_SECONDS: '7',
  CHECKOUT_WAIT_MS: '1500',
};

/** Points every client at the pair's master now (new clients: the old ones may talk to the old master). */
async function useMaster(): Promise<void> {
  await closeVerdictSubscriber();
  await closeRedisClients();
  configureTest({ ...SETTINGS, REDIS_URL: pair.masterUrl() });
}

beforeAll(async () => {
  queues = await useStepQueues(sqs, `failover-${process.env.JEST_WORKER_ID}`);
  ({ deliver, pumpUntil, waiting } = sagaPump(sqs, queues));
});
let deliver: SagaPump['deliver'];
let pumpUntil: SagaPump['pumpUntil'];
let waiting: SagaPump['waiting'];
beforeEach(async () => {
  pair = await startReplicaPair();
  await useMaster();
});
afterEach(async () => {
  await closeVerdictSubscriber();
  await closeRedisClients();
  await pair.stop();
});
afterAll(() => sqs.destroy());

const checkout = (orderId: string): Promise<Answer> => call(checkoutHandler, { order_id: orderId });

/** A look at the master itself, past the app's clients. */
async function readOnMaster<T>(read: (master: Redis) => Promise<T>): Promise<T> {
  const master = new Redis(pair.masterUrl());
  try {
    return await read(master);
  } finally {
    master.disconnect();
  }
}

it('1. reserve-stock sends no charge-payment message before its write is on the replica: a failover cannot leave the order paid with its stock never taken', async () => {
  const shop = await smallShop();
  const begun = await sagaOrder.beginCheckout(shop.orderId, `saga-one-${Date.now()}`);
  if (begun.kind !== 'started') throw new Error('not started');
  await sendToStep('reserve-stock', begun.facts);
  await pair.cutOff();
  const reserved = await deliver('reserve-stock');
  const sentBeforeDurable = await waiting('charge-payment');
  // The reservation did run on the master (its wait, not the script, fell short): held back, not refused.
  const writtenOnMaster = await readOnMaster((master) => master.hget(`{stock}:saga:${begun.facts.sagaId}`, 'reserve'));

  await pair.failOver();
  await useMaster();
  await pumpUntil(async () => (await sagaOrder.readVerdict(begun.facts.sagaId)) !== null);
  // The step failed (to be retried) and sent nothing; in the end the order is paid, and the stock
  // and the credit each taken once.
  expect({ reserved, sentBeforeDurable, writtenOnMaster, ...(await shop.state()) }).toEqual({
    reserved: { handled: 1, failed: 1 },
    sentBeforeDurable: 0,
    writtenOnMaster: 'done',
    stock: 8,
    credit: 94,
    paid: true,
  });
});

it('2. checkout sends no first message before begin-checkout is on the replica: a failover cannot take stock and credit for a saga nobody began', async () => {
  const shop = await smallShop();
  await pair.cutOff();
  const first = await checkout(shop.orderId);
  expect(first.status).toBeGreaterThanOrEqual(500);
  expect(first.body).toEqual({ error: expect.not.stringMatching(/WAIT|replica|redis/i) });
  const sentBeforeDurable = await waiting('reserve-stock');

  await pair.failOver();
  await useMaster();
  // The client tries again; meanwhile the event sources deliver whatever was sent.
  let retried: Answer | undefined;
  const retry = checkout(shop.orderId).then((answer) => (retried = answer));
  await pumpUntil(() => retried !== undefined);
  await retry;
  await pumpUntil(async () => (await waiting('reserve-stock')) + (await waiting('charge-payment')) === 0);
  // Nothing was sent for the lost saga; the retry paid the order, its stock and credit taken once, not twice.
  expect({ sentBeforeDurable, retried: retried!.status, ...(await shop.state()) }).toEqual({
    sentBeforeDurable: 0,
    retried: 200,
    stock: 8,
    credit: 94,
    paid: true,
  });
});

it('2, by the replay: a begin-checkout whose wait fell short stays on the order master, and the replay re-sends nothing for it until it is on the replica', async () => {
  // The stock and the payment in a Redis (and replica) of their own, which stays in step.
  const services = await startReplicaPair();
  try {
    await closeRedisClients();
    configureTest({ STOCK_REDIS_URL: services.masterUrl(), PAYMENT_REDIS_URL: services.masterUrl() });
    const shop = await smallShop();
    await pair.cutOff();
    expect((await checkout(shop.orderId)).status).toBeGreaterThanOrEqual(500);
    const replayed = await replayLog({ staleMs: 0 }).then(
      () => 'decided',
      () => 'failed',
    );
    const sentBeforeDurable = await waiting('reserve-stock');

    await pair.failOver();
    await useMaster();
    await pumpUntil(async () => (await waiting('reserve-stock')) + (await waiting('charge-payment')) === 0);
    // Nothing was taken for a saga the new order master never heard of.
    expect({ replayed, sentBeforeDurable, ...(await shop.state()) }).toEqual({
      replayed: 'failed',
      sentBeforeDurable: 0,
      stock: 10,
      credit: 100,
      paid: false,
    });
  } finally {
    await closeRedisClients();
    configureTest({ STOCK_REDIS_URL: '', PAYMENT_REDIS_URL: '' });
    await services.stop();
  }
});

it('3. no client is told 200 before the charge and the verdict are on the replica: a failover and a replay past the deadline cannot unpay an order answered "paid"', async () => {
  const shop = await smallShop();
  let answer: Answer | undefined;
  const answered = checkout(shop.orderId).then((result) => (answer = result));
  let cut = false;
  // The replica falls behind just after the stock was reserved: the charge and the verdict miss it.
  await pumpUntil(
    () => answer !== undefined,
    async (step) => {
      if (!cut && step === 'charge-payment' && (await waiting('charge-payment')) > 0) {
        cut = true;
        await pair.cutOff();
      }
    },
  );
  await answered;

  await pair.failOver();
  await useMaster();
  await sleep(DEADLINE_MS); // past the saga's deadline
  await replayLog({ staleMs: 0 });
  // The answer and the order agree: 200 only for a paid order (here: a 5xx, not paid, nothing charged).
  const told = answer!.status >= 500 ? '5xx' : answer!.status;
  expect({ told, ...(await shop.state()) }).toEqual({ told: '5xx', stock: 10, credit: 100, paid: false });
});
