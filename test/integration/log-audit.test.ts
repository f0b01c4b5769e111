import { auditChains, type LogEntry } from '@lib/domain/log-audit';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { auditLogs, readSystemState } from '@lib/store/inspection';
import { batchInitItems, changeStock, createItem } from '@lib/store/stock-store';
import { changeCredit, createUser } from '@lib/store/payment-store';
import { createOrder, addItemToOrder } from '@lib/store/order-store';
import { beginCheckout, completeOrder } from '@lib/store/saga-order';
import { releaseStock, reserveStock } from '@lib/store/saga-stock';
import { chargePayment } from '@lib/store/saga-payment';
import { flushDatabase } from '../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

const entry = (id: string, fields: Record<string, string>): LogEntry => ({ service: 'stock', id, fields });

describe('the log audit (pure)', () => {
  it('follows each chain of before/after and compares its end with the balance now', () => {
    const entries = [
      entry('1-0', { step: 'add-stock', id: 'a', before: '0', after: '5' }),
      entry('2-0', { step: 'reserve-stock', outcome: 'done', balances: 'a 5 3,b 9 8' }),
      entry('3-0', { step: 'release-stock', outcome: 'released', balances: 'a 3 5' }),
    ];
    expect(
      auditChains(
        entries,
        new Map([
          ['item a', 5],
          ['item b', 8],
        ]),
      ),
    ).toEqual({ audited: 2, violations: [] });
    expect(auditChains(entries, new Map([['item a', 6]])).violations).toEqual([
      'item a: the log ends at 5, but the balance is 6: changed outside the log',
    ]);
    const gap = [...entries, entry('4-0', { step: 'subtract-stock', id: 'a', before: '7', after: '6' })];
    expect(auditChains(gap, new Map([['item a', 6]])).violations).toEqual([
      expect.stringMatching(/item a: logged 5 before entry 4-0, which found 7/),
    ]);
  });

  it('follows a charge given back by recovery (refund-charge) like the charge itself', () => {
    const payment = (id: string, fields: Record<string, string>): LogEntry => ({
      service: 'payment',
      id,
      fields,
    });
    const entries = [
      payment('1-0', { step: 'charge-payment', outcome: 'done', user: 'u', before: '100', after: '94' }),
      payment('2-0', {
        step: 'refund-charge',
        outcome: 'refunded',
        user: 'u',
        before: '94',
        after: '100',
        amount: '6',
      }),
      payment('3-0', { step: 'refund-charge', outcome: 'nothing-charged', user: 'v' }),
    ];
    expect(auditChains(entries, new Map([['user u', 100]]))).toEqual({ audited: 1, violations: [] });
    expect(auditChains(entries, new Map([['user u', 94]])).violations).toEqual([expect.stringMatching(/user u: the log ends at 100/)]);
  });

  it('takes each chunk of a batch_init as the new start of the items it covers, and no others', () => {
    const entries = [
      entry('1-0', { step: 'batch-init', items: '2', first: '0', stock: '5', price: '1' }),
      entry('2-0', { step: 'batch-init', items: '2', first: '2', stock: '7', price: '1' }),
    ];
    expect(
      auditChains(
        entries,
        new Map([
          ['item 1', 5],
          ['item 3', 7],
          ['item 4', 1],
        ]),
      ).violations,
    ).toEqual([]);
    const moved = [...entries, entry('3-0', { step: 'subtract-stock', id: '1', before: '7', after: '6' })];
    expect(auditChains(moved, new Map([['item 1', 6]])).violations).toEqual([
      expect.stringMatching(/item 1: logged 5 before entry 3-0, which found 7/),
    ]);
  });

  it('takes a batch_init as the new start of the items it covers', () => {
    const entries = [
      entry('1-0', { step: 'add-stock', id: '3', before: '0', after: '5' }),
      entry('2-0', { step: 'batch-init', items: '10', stock: '100', price: '1' }),
      entry('3-0', { step: 'subtract-stock', id: '3', before: '100', after: '99' }),
      entry('4-0', { step: 'batch-init', items: '2', stock: '7', price: '1' }),
    ];
    expect(auditChains(entries, new Map([['item 3', 99]])).violations).toEqual([]);
    expect(auditChains(entries.slice(0, 2), new Map([['item 3', 100]])).violations).toEqual([]);
  });
});

describe("npm run check's log audit, against real Redis", () => {
  it("sees no change outside the log when a reservation lands right behind batch_init's writes (issue 19, point 8)", async () => {
    await batchInitItems(2, 50, 2);
    const user = await createUser();
    await changeCredit(user, 100);
    const orderId = await createOrder(user);
    await addItemToOrder(orderId, '0', 3, 2);
    const begun = await beginCheckout(orderId, `audit-race-${orderId}`, 60_000);
    if (begun.kind !== 'started') throw new Error('not started');
    // Both go out on one connection, in this order, before either is answered: the reservation
    // lands right after batch_init's first command reaches Redis.
    const initialising = batchInitItems(2, 50, 2);
    const reserving = reserveStock(begun.facts);
    await Promise.all([initialising, reserving]);
    expect(await redisFor('stock').hget('{stock}:item:0', 'stock')).toBe('47');
    expect((await auditLogs(await readSystemState())).violations).toEqual([]);
  });

  it("passes after direct changes, checkouts and compensations, and catches a balance changed behind the log's back", async () => {
    await batchInitItems(3, 50, 2);
    const item = await createItem(4);
    await changeStock(item, 10);
    const user = await createUser();
    await changeCredit(user, 100);
    for (const refuse of [false, true]) {
      const orderId = await createOrder(user);
      await addItemToOrder(orderId, item, 2, 4);
      await addItemToOrder(orderId, '1', 1, 2);
      const begun = await beginCheckout(orderId, `audit-${orderId}`, 60_000);
      if (begun.kind !== 'started') throw new Error('not started');
      await reserveStock(begun.facts);
      if (refuse) await releaseStock({ ...begun.facts, refusal: 'changed our mind' });
      else await chargePayment(begun.facts);
      await completeOrder(refuse ? { ...begun.facts, refusal: 'changed our mind' } : begun.facts);
    }
    const clean = await auditLogs(await readSystemState());
    expect(clean.violations).toEqual([]);
    expect(clean.audited).toBeGreaterThanOrEqual(3);

    await redisFor('stock').hincrby(`{stock}:item:${item}`, 'stock', 1);
    await redisFor('stock').hincrby(`{stock}:item:${item}`, 'direct', 1); // even with its baseline moved along
    await redisFor('payment').hset(`{payment}:user:${user}`, 'credit', 1000);
    const tampered = await auditLogs(await readSystemState());
    expect(tampered.violations).toEqual([
      `item ${item}: the log ends at 8, but the balance is 9: changed outside the log`,
      `user ${user}: the log ends at 90, but the balance is 1000: changed outside the log`,
    ]);
  });
});
