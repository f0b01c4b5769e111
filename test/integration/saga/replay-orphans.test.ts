// Issue 19, "second line of defence": the replay reconciles the stock and payment logs with the
// order service. A reservation or a charge whose saga the order service does not know (the order
// Redis lost begin-checkout's write, not its first message) is given back once no message of that
// saga can act any more, and fenced, so that a late message never takes stock or money again.
import type { SagaMessage } from '@lib/domain/checkout';
import { checkInvariants } from '@lib/domain/invariants';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { replayLog } from '@lib/saga/recovery';
import { auditLogs, readSystemState } from '@lib/store/inspection';
import { completeOrder, sagaKey, OPEN_SAGAS_KEY, ORDER_LOG_KEY, readVerdict } from '@lib/store/saga-order';
import { chargePayment, PAYMENT_FENCE_KEY, refundCharge } from '@lib/store/saga-payment';
import { reserveStock } from '@lib/store/saga-stock';
import { configureTest } from '../../support/config';
import { flushDatabase } from '../../support/redis-state';
import { sagaBeginner } from '../../support/small-shop';

// Short windows: a message of a saga may act until 0.6 s after it began (+ the clocks' margin).
const DEADLINE_MS = 300;
const PAST_EVERY_MESSAGE_MS = 800;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sent: string[] = [];
const send = async (step: string, message: SagaMessage) => void sent.push(`${step} ${message.sagaId}`);

beforeAll(async () => {
  configureTest({
    SAGA_RETENTION_SECONDS: '2',
    CHECKOUT_DEADLINE_MS: String(DEADLINE_MS),
    MESSAGE_GRACE_MS: '300',
  });
  await flushDatabase();
});
afterAll(closeRedisClients);

const beginSaga = sagaBeginner('o');
const begun = () => beginSaga(DEADLINE_MS);

/** What a lost begin-checkout leaves: none of its writes (order claim, record, index, log entry). */
async function loseBeginCheckout(saga: SagaMessage): Promise<void> {
  const redis = redisFor('order');
  const entries = await redis.xrange(ORDER_LOG_KEY, '-', '+');
  const begin = entries.find(([, fields]) => fields.includes('begin-checkout') && fields.includes(saga.sagaId));
  await Promise.all([
    redis.del(sagaKey(saga.sagaId)),
    redis.zrem(OPEN_SAGAS_KEY, saga.sagaId),
    redis.hset(`{order}:order:${saga.orderId}`, 'checkout', ''),
    redis.xdel(ORDER_LOG_KEY, begin![0]),
  ]);
}

const stockOf = async (saga: SagaMessage) => Number(await redisFor('stock').hget(`{stock}:item:${saga.lines[0][0]}`, 'stock'));
const creditOf = async (saga: SagaMessage) => Number(await redisFor('payment').hget(`{payment}:user:${saga.userId}`, 'credit'));

describe('the replay gives back what sagas the order service does not know hold', () => {
  it('finds a reservation and a charge whose begin-checkout was lost, gives both back and fences them, once no message can act', async () => {
    const saga = await begun();
    await reserveStock(saga);
    await chargePayment(saga);
    await loseBeginCheckout(saga);
    await expect(completeOrder(saga)).rejects.toThrow(/never begun/);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([8, 94]);

    // While a message of the saga could still act (a begin-checkout that was only slow would be
    // written by then), the replay judges nothing and its cursors stay before the entries.
    const early = await replayLog({ staleMs: 0, send });
    expect(early.orphans ?? []).toEqual([]);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([8, 94]);

    await sleep(PAST_EVERY_MESSAGE_MS);
    const report = await replayLog({ staleMs: 0, send });
    expect(report.orphans?.map((line) => line.sagaId)).toContain(saga.sagaId);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([10, 100]);

    // A late message (its deadline read by a Redis whose clock lags) takes nothing: both are fenced.
    const late = { ...saga, deadlineAt: Date.now() + 60_000 };
    expect(await chargePayment(late)).toEqual({ status: 'fenced' });
    await reserveStock(late);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([10, 100]);

    // The books balance: `npm run check`'s invariants and its log audit.
    const state = await readSystemState();
    expect(checkInvariants(state).violations).toEqual([]);
    expect((await auditLogs(state)).violations).toEqual([]);
    // Given back once: the next run reads past it and writes nothing.
    expect((await replayLog({ staleMs: 0, send })).orphans).toEqual([]);
    expect([await stockOf(saga), await creditOf(saga)]).toEqual([10, 100]);
  });

  it('leaves alone the reservations and charges of sagas the order service knows, open or finished', async () => {
    const paid = await begun();
    await reserveStock(paid);
    await chargePayment(paid);
    await completeOrder(paid);
    const open = await begun();
    await reserveStock(open);
    await sleep(PAST_EVERY_MESSAGE_MS);
    const report = await replayLog({ staleMs: 0, send });
    expect(report.orphans).toEqual([]);
    expect([await stockOf(paid), await creditOf(paid)]).toEqual([8, 94]);
    expect(await readVerdict(paid.sagaId)).toEqual({ verdict: 'paid' });
    // The open one past its deadline is compensated as an open saga, not as an orphan.
    expect(report.lines.find((line) => line.sagaId === open.sagaId)?.action).toBe('compensate');
    expect(await stockOf(open)).toBe(10);
  });

  it('refund-charge gives back exactly what the charge took, once, and only for a recovery holding the newest token', async () => {
    const saga = await begun();
    await chargePayment(saga);
    const fence = Number((await redisFor('payment').get(PAYMENT_FENCE_KEY)) ?? '0');
    expect(await refundCharge(saga.sagaId, saga.userId, fence - 1)).toBe('fenced');
    expect(await creditOf(saga)).toBe(94);
    expect(await refundCharge(saga.sagaId, saga.userId, fence + 1)).toBe('refunded');
    expect(await refundCharge(saga.sagaId, saga.userId, fence + 1)).toBe('already');
    expect(await creditOf(saga)).toBe(100);
    expect(await chargePayment(saga)).toEqual({ status: 'fenced' });
    // A saga never charged is fenced off the same way.
    const never = await begun();
    expect(await refundCharge(never.sagaId, never.userId, fence + 1)).toBe('nothing-charged');
    expect(await chargePayment(never)).toEqual({ status: 'fenced' });
    expect(await creditOf(never)).toBe(100);
  });
});
