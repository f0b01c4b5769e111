// Issue 22: the verdict a wake-up carries is the answer where the store publishes only durable
// writes (appendfsync always, the local default), so a checkout needs no read after its wake-up;
// where that is not known (MemoryDB, WAIT, WAITAOF, a cluster) the waiter still reads it back.
// Real Redis; the complete-order script publishes.
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { invocationLog } from '@lib/lambda/observability';
import { closeVerdictSubscriber, waitForVerdict } from '@lib/saga/verdict-waiter';
import { completeOrder, publishedVerdict, verdictChannel } from '@lib/store/saga-order';
import { configureTest } from '../../support/config';
import { sagaBeginner } from '../../support/small-shop';

const log = invocationLog(undefined);
const begin = sagaBeginner(`wake-${process.env.JEST_WORKER_ID}-${Date.now()}-`);

afterEach(async () => {
  await closeVerdictSubscriber();
  await closeRedisClients();
});

/** Resolves once this process's subscriber listens on the saga's channel. */
async function subscribed(sagaId: string): Promise<void> {
  for (;;) {
    const [, listeners] = (await redisFor('order').call('PUBSUB', 'NUMSUB', verdictChannel(sagaId))) as [string, number];
    if (Number(listeners) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** HMGETs the order service's Redis has served so far (INFO commandstats). */
async function hmgets(): Promise<number> {
  const stats = await redisFor('order').info('commandstats');
  return Number(/cmdstat_hmget:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

it('reads what complete-order publishes: the verdict and the refusal sentence, which may hold a colon', () => {
  expect(publishedVerdict('paid:')).toEqual({ verdict: 'paid' });
  expect(publishedVerdict('refused:Out of stock: item 7 has 1')).toEqual({ verdict: 'refused', reason: 'Out of stock: item 7 has 1' });
  expect(publishedVerdict('refused')).toBeNull();
  expect(publishedVerdict('maybe:')).toBeNull();
});

describe('with appendfsync always (REDIS_DURABILITY=fsync)', () => {
  beforeAll(() => configureTest({ REDIS_DURABILITY: 'fsync' }));

  it('answers the wake-up of a refusal with its sentence, and reads nothing after it', async () => {
    const saga = await begin(60_000);
    const waiting = waitForVerdict(saga.sagaId, Date.now() + 10_000, log);
    await subscribed(saga.sagaId);
    const readsBefore = await hmgets();
    await completeOrder({ ...saga, refusal: 'Out of stock: item 7 has 1, 2 ordered' });
    expect(await waiting).toEqual({ verdict: 'refused', reason: 'Out of stock: item 7 has 1, 2 ordered' });
    // complete-order's own HMGET of the saga; none by the waiter.
    expect((await hmgets()) - readsBefore).toBe(1);
  });

  it('answers a published verdict as it came: the message is the answer, the saga hash is not read again', async () => {
    const sagaId = `never-begun-${Date.now()}`;
    const waiting = waitForVerdict(sagaId, Date.now() + 3_000, log);
    await subscribed(sagaId);
    await redisFor('order').publish(verdictChannel(sagaId), 'paid:');
    expect(await waiting).toEqual({ verdict: 'paid' });
  });
});

describe('where the store does not say it publishes only durable writes (REDIS_DURABILITY=memorydb)', () => {
  beforeAll(() => configureTest({ REDIS_DURABILITY: 'memorydb' }));

  it('reads the verdict back after the wake-up, and answers only what the saga holds', async () => {
    const sagaId = `never-begun-${Date.now()}`;
    const waiting = waitForVerdict(sagaId, Date.now() + 1_500, log);
    await subscribed(sagaId);
    await redisFor('order').publish(verdictChannel(sagaId), 'paid:');
    expect(await waiting).toBeNull();
  });

  it('still ends its wait with the verdict complete-order wrote', async () => {
    const saga = await begin(60_000);
    const waiting = waitForVerdict(saga.sagaId, Date.now() + 10_000, log);
    await subscribed(saga.sagaId);
    await completeOrder(saga);
    expect(await waiting).toEqual({ verdict: 'paid' });
  });
});
