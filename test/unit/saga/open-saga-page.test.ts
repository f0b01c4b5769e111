// The walk through the open-saga index when several sagas began in the same millisecond: the index
// orders them by saga id, and a page that starts on one of them must go on to the next, never stop
// there or loop. Found by the model (docs/exploration.md): two checkouts begun in one millisecond
// and a replay taking one saga per page made the third page's call loop for ever.
import { closeRedisClients, redisFor } from '@lib/redis';
import { addItemToOrder, createOrder } from '@lib/store/order-store';
import { beginCheckout, OPEN_SAGAS_KEY, openSagaPage, type IndexPosition } from '@lib/store/saga-order';
import { flushDatabase } from '../../support/redis-state';

const SAME_MS = 1_000;

beforeEach(async () => {
  await flushDatabase();
  await redisFor('stock').hset('{stock}:item:p', 'stock', 100, 'direct', 100, 'price', 1);
  await redisFor('payment').hset('{payment}:user:p', 'credit', 100, 'direct', 100);
});
afterAll(closeRedisClients);

/** Open sagas `ids`, all listed as begun at SAME_MS (begin-checkout stamps Redis's clock; the test moves them). */
async function openSagasInOneMillisecond(ids: string[]): Promise<void> {
  for (const sagaId of ids) {
    const orderId = await createOrder('p');
    await addItemToOrder(orderId, 'p', 1, 1);
    await beginCheckout(orderId, sagaId, 60_000);
  }
  await redisFor('order').zadd(OPEN_SAGAS_KEY, 'XX', ...ids.flatMap((sagaId) => [SAME_MS, sagaId]));
}

/** Pages through the index `limit` at a time; each call must come back (a loop fails the test, not hangs it). */
async function walk(limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let position: IndexPosition | undefined;
  for (let call = 0; call < 20; call++) {
    const page = await Promise.race([openSagaPage(Date.now(), limit, position), new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 2_000))]);
    if (page === 'no answer') throw new Error(`openSagaPage(limit ${limit}) did not answer after ${JSON.stringify(position)}`);
    pages.push(page.sagas.map((saga) => saga.sagaId));
    if (!page.full) return pages;
    position = page.last;
  }
  throw new Error(`still full after 20 pages: ${JSON.stringify(pages)}`);
}

it.each([
  [1, ['sa', 'sb']],
  [1, ['sa', 'sb', 'sc', 'sd', 'se']],
  [2, ['sa', 'sb', 'sc', 'sd', 'se']],
])('with pages of %i, lists each of %j once, in id order, and ends', async (limit, ids) => {
  await openSagasInOneMillisecond(ids);
  const pages = await walk(limit);
  expect(pages.flat()).toEqual(ids);
  expect(pages.every((page) => page.length <= limit)).toBe(true);
});
