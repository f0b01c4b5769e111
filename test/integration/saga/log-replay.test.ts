// The replay reads the order log from its cursor: a saga begun there and not finished is found
// even when the open-saga index lost it.
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import type { SagaMessage } from '@lib/domain/checkout';
import { scanOrderLog } from '@lib/saga/log-scan';
import { replayLog } from '@lib/saga/recovery';
import { completeOrder, OPEN_SAGAS_KEY, readVerdict, sagaKey } from '@lib/store/saga-order';
import { reserveStock } from '@lib/store/saga-stock';
import { flushDatabase } from '../../support/redis-state';
import { sagaBeginner } from '../../support/small-shop';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

const begun = sagaBeginner('l');
const sent: string[] = [];
const send = async (step: string, message: SagaMessage) => void sent.push(`${step} ${message.sagaId}`);

describe('the replay reads the log', () => {
  it('finds and settles a saga begun in the log and missing from the open-saga index', async () => {
    const lost = await begun(1);
    await reserveStock(lost);
    const finished = await begun(60_000);
    await completeOrder(finished);
    await redisFor('order').zrem(OPEN_SAGAS_KEY, lost.sagaId);

    const report = await replayLog({ staleMs: 0, send });
    expect(report.relisted).toEqual([lost.sagaId]);
    expect(report.lines.map((line) => line.sagaId)).toEqual([lost.sagaId]);
    expect(await readVerdict(lost.sagaId)).toMatchObject({ verdict: 'refused' });
    expect(Number(await redisFor('stock').hget(`{stock}:item:${lost.lines[0][0]}`, 'stock'))).toBe(10);
  });

  it('starts where the previous run stopped: entries already read are not read again', async () => {
    await replayLog({ staleMs: 0, send }); // reads what the previous replay wrote itself
    expect((await replayLog({ staleMs: 0, send })).logEntries).toBe(0);
    const saga = await begun(60_000);
    const second = await replayLog({ staleMs: 60_000, send });
    expect(second.logEntries).toBe(1);
    expect(second.relisted).toEqual([]);
    expect(second.lines.map((line) => [line.sagaId, line.result])).toEqual([[saga.sagaId, 'left alone']]);
  });

  it('does not advance its cursor past a run that crashed: the next run reads the same entries', async () => {
    const saga = await begun(1);
    await redisFor('order').zrem(OPEN_SAGAS_KEY, saga.sagaId);
    const crashed = await replayLog({ staleMs: 0, send, lockMs: 200, beforeWrite: () => 'crash' });
    expect(crashed.relisted).toEqual([saga.sagaId]);
    await redisFor('order').del('{order}:recovery:lock');
    await redisFor('order').zrem(OPEN_SAGAS_KEY, saga.sagaId);
    const next = await replayLog({ staleMs: 0, send });
    expect(next.relisted).toEqual([saga.sagaId]);
    expect(await readVerdict(saga.sagaId)).toMatchObject({ verdict: 'refused' });
  });

  it('never lists again a saga that finishes right after the scan read it', async () => {
    const saga = await begun(60_000);
    await redisFor('order').zrem(OPEN_SAGAS_KEY, saga.sagaId);
    // complete-order lands right after the scan's first read of the saga record, whatever command
    // that read is: between two separate commands it once left a finished saga listed as open.
    const order = redisFor('order');
    let landed = false;
    const readsTheSaga = (args: unknown[]) => args.includes(sagaKey(saga.sagaId));
    const spies = (['hmget', 'evalsha', 'eval', 'call'] as const).map((method) => {
      const original = (order[method] as (...args: unknown[]) => Promise<unknown>).bind(order);
      return jest.spyOn(order, method).mockImplementation(async (...args: unknown[]) => {
        const result = await original(...args);
        if (!landed && readsTheSaga(args)) {
          landed = true;
          await completeOrder(saga);
        }
        return result;
      });
    });
    try {
      await scanOrderLog(5_000);
      expect(landed).toBe(true);
      expect(await order.zscore(OPEN_SAGAS_KEY, saga.sagaId)).toBeNull();
      expect(await readVerdict(saga.sagaId)).toEqual({ verdict: 'paid' });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
