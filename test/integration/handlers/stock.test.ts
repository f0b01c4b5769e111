import { redisFor, closeRedisClients } from '@lib/clients/redis';
import { handler as addStock } from '../../../functions/http/stock/add-stock';
import { handler as batchInit } from '../../../functions/http/stock/batch-init-items';
import { handler as createItem } from '../../../functions/http/stock/create-item';
import { handler as findItem } from '../../../functions/http/stock/find-item';
import { handler as subtractStock } from '../../../functions/http/stock/subtract-stock';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';

const redis = () => redisFor('stock');

beforeAll(flushDatabase);
afterAll(closeRedisClients);

describe('stock handlers', () => {
  it('creates an item with stock 0 and its price, stored in Redis', async () => {
    const created = await call(createItem, { price: '7' });
    expect(created.status).toBe(200);
    expect(created.contentType).toBe('application/json');
    const itemId = created.body.item_id;
    expect(typeof itemId).toBe('string');
    expect(await redis().hgetall(`{stock}:item:${itemId}`)).toEqual({ price: '7', stock: '0', direct: '0' });
    expect(await call(findItem, { item_id: itemId })).toMatchObject({
      status: 200,
      body: { item_id: itemId, stock: 0, price: 7 },
    });
  });

  it('gives every new item a different id', async () => {
    const ids = await Promise.all(Array.from({ length: 300 }, () => call(createItem, { price: '1' })));
    expect(new Set(ids.map((answer) => answer.body.item_id)).size).toBe(300);
  });

  it('adds and subtracts stock, and refuses to go below zero', async () => {
    const { item_id } = (await call(createItem, { price: '3' })).body;
    expect((await call(addStock, { item_id, amount: '10' })).body).toEqual({ item_id, stock: 10 });
    expect((await call(subtractStock, { item_id, amount: '4' })).body).toEqual({ item_id, stock: 6 });
    const refused = await call(subtractStock, { item_id, amount: '7' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(new RegExp(`Item ${item_id}`));
    expect(await redis().hget(`{stock}:item:${item_id}`, 'stock')).toBe('6');
  });

  it('refuses an add that would push stock past 2^53-1 and keeps the old value', async () => {
    const { item_id } = (await call(createItem, { price: '1' })).body;
    await call(addStock, { item_id, amount: String(Number.MAX_SAFE_INTEGER) });
    const refused = await call(addStock, { item_id, amount: '1' });
    expect(refused.status).toBe(400);
    expect((await call(findItem, { item_id })).body.stock).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('answers 404 for stock changes of an unknown item, creating nothing', async () => {
    expect((await call(addStock, { item_id: 'nope', amount: '1' })).status).toBe(404);
    expect(await redis().exists('{stock}:item:nope')).toBe(0);
  });

  it('batch_init writes items "0".."n-1" with the starting stock and price', async () => {
    const answer = await call(batchInit, { n: '1000', starting_stock: '5', item_price: '9' });
    expect(answer).toMatchObject({ status: 200, body: { msg: 'Batch init for stock successful' } });
    expect((await call(findItem, { item_id: '999' })).body).toEqual({ item_id: '999', stock: 5, price: 9 });
    expect((await call(findItem, { item_id: '1000' })).status).toBe(404);
  });

  it('batch_init of 100,000 items finishes within 5 s', async () => {
    // Not a performance measurement: the contract's bound, with a wide margin on 2 cores.
    const started = Date.now();
    expect((await call(batchInit, { n: '100000', starting_stock: '1', item_price: '1' })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await call(findItem, { item_id: '99999' })).body.stock).toBe(1);
  });

  it('200 concurrent subtracts of 1 from stock 100: exactly 100 succeed and stock ends at 0', async () => {
    const { item_id } = (await call(createItem, { price: '1' })).body;
    await call(addStock, { item_id, amount: '100' });
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(subtractStock, { item_id, amount: '1' })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(100);
    expect((await call(findItem, { item_id })).body.stock).toBe(0);
  });
});
