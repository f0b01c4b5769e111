// Issue 19, defect 7: recovery must make progress under any backlog. One replay decided at most
// 1,000 open sagas, and read the whole order log since its cursor before deciding anything,
// moving the cursor only at its end. Now a run works in rounds of bounded pages, every cursor
// moves round by round, and a run that stops with work left says so (`more`).
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { REPORT_RESERVE_MS } from '@lib/saga/replay-metrics';
import { replayLog, type ReplayReport } from '@lib/saga/recovery';
import { handler as scheduledReplay } from '../../../functions/scheduled/replay-log';
import { addItemToOrder, createOrder } from '@lib/store/order-store';
import { beginCheckout, OPEN_SAGAS_KEY, ORDER_LOG_KEY } from '@lib/store/saga-order';
import { configureTest } from '../../support/config';
import { flushDatabase } from '../../support/redis-state';

const send = async () => {};

beforeAll(() =>
  configureTest({
    SAGA_RETENTION_SECONDS: '2',
    CHECKOUT_DEADLINE_MS: '900',
    MESSAGE_GRACE_MS: '900',
    REPLAY_STALE_MS: '1',
  }),
);
beforeEach(async () => {
  await flushDatabase();
  await redisFor('stock').hset('{stock}:item:b', 'stock', 1_000_000, 'direct', 1_000_000, 'price', 1);
  await redisFor('payment').hset('{payment}:user:b', 'credit', 1_000_000, 'direct', 1_000_000);
});
afterAll(closeRedisClients);

/** `count` sagas stuck open past their deadline (their first message lost). */
async function stuckSagas(count: number): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, async (_, offset) => {
        const orderId = await createOrder('b');
        await addItemToOrder(orderId, 'b', 1, 1);
        await beginCheckout(orderId, `saga-b${start + offset}`, 1);
      }),
    );
  }
}

describe('recovery clears a backlog bigger than one page', () => {
  it('one run decides 1,100 stuck sagas (more than one page of 1,000)', async () => {
    await stuckSagas(1_100);
    const report = await replayLog({ staleMs: 0, send });
    expect(report.lines.filter((line) => line.action === 'compensate')).toHaveLength(1_100);
    expect(await redisFor('order').zcard(OPEN_SAGAS_KEY)).toBe(0);
  });

  it('reads the log a page at a time and moves its cursor page by page; a run out of time says more is left', async () => {
    await stuckSagas(300);
    const first = await replayLog({ staleMs: 0, send, logPage: 100, sagaPage: 100, budgetMs: 0 });
    expect(first.logEntries).toBe(100);
    expect(first.lines).toHaveLength(100);
    expect(first.more).toBe(true);
    const reports: ReplayReport[] = [first];
    while (reports[reports.length - 1].more) reports.push(await replayLog({ staleMs: 0, send, logPage: 100, sagaPage: 100, budgetMs: 0 }));
    expect(reports.flatMap((report) => report.lines).filter((line) => line.action === 'compensate')).toHaveLength(300);
    expect(await redisFor('order').zcard(OPEN_SAGAS_KEY)).toBe(0);
  });

  it('a run that crashes in a later round keeps the cursor the rounds before it moved', async () => {
    await stuckSagas(300);
    let writes = 0;
    // Three writes per compensated saga: round 1 writes 300, the crash comes before round 2's first.
    const crashed = await replayLog({
      staleMs: 0,
      send,
      logPage: 100,
      sagaPage: 100,
      lockMs: 200,
      beforeWrite: () => (++writes > 300 ? 'crash' : undefined),
    });
    expect(crashed.note).toMatch(/crashed/);
    const hundredth = (await redisFor('order').xrange(ORDER_LOG_KEY, '-', '+', 'COUNT', 100))[99][0];
    expect(await redisFor('order').get('{order}:recovery:log-cursor')).toBe(hundredth);
  });

  it('the scheduled replay works as long as its invocation may run, and no longer', async () => {
    await stuckSagas(1_100);
    await new Promise((resolve) => setTimeout(resolve, 20)); // every saga older than REPLAY_STALE_MS (1 ms)
    // Lambda's clock for the invocation: with only the report's reserve left, one round and `more`.
    const invocation = (remainingMs: number) =>
      ({
        functionName: 'replayLog',
        awsRequestId: 'test',
        getRemainingTimeInMillis: () => remainingMs,
      }) as unknown as Parameters<typeof scheduledReplay>[1];
    const short = await scheduledReplay({}, invocation(REPORT_RESERVE_MS));
    expect([short.examined, short.more]).toEqual([1_000, true]);
    const long = await scheduledReplay({}, invocation(300_000));
    expect([long.examined, long.more]).toEqual([100, false]);
    expect(await redisFor('order').zcard(OPEN_SAGAS_KEY)).toBe(0);
  });
});
