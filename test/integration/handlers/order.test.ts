import { closeRedisClients } from '@lib/clients/redis';
import { handler as addItem } from '../../../functions/http/order/add-item';
import { handler as batchInit } from '../../../functions/http/order/batch-init-orders';
import { handler as createOrder } from '../../../functions/http/order/create-order';
import { handler as findOrder } from '../../../functions/http/order/find-order';
import { handler as createUser } from '../../../functions/http/payment/create-user';
import { handler as createItem } from '../../../functions/http/stock/create-item';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

const newUser = async () => (await call(createUser)).body.user_id as string;
const newItem = async (price: number) => (await call(createItem, { price: String(price) })).body.item_id as string;

describe('order handlers', () => {
  it('creates an empty unpaid order for an existing user', async () => {
    const user_id = await newUser();
    const { status, body } = await call(createOrder, { user_id });
    expect(status).toBe(200);
    expect((await call(findOrder, { order_id: body.order_id })).body).toEqual({
      order_id: body.order_id,
      paid: false,
      items: [],
      user_id,
      total_cost: 0,
    });
  });

  it('answers 404 when the user does not exist', async () => {
    expect((await call(createOrder, { user_id: 'nobody' })).status).toBe(404);
  });

  it('appends items in order, keeps a repeated item twice, and adds quantity × price', async () => {
    const order_id = (await call(createOrder, { user_id: await newUser() })).body.order_id;
    const cheap = await newItem(3);
    const dear = await newItem(10);
    expect((await call(addItem, { order_id, item_id: cheap, quantity: '2' })).body).toEqual({
      order_id,
      total_cost: 6,
    });
    expect((await call(addItem, { order_id, item_id: dear, quantity: '1' })).body).toEqual({
      order_id,
      total_cost: 16,
    });
    expect((await call(addItem, { order_id, item_id: cheap, quantity: '1' })).body).toEqual({
      order_id,
      total_cost: 19,
    });
    expect((await call(findOrder, { order_id })).body.items).toEqual([
      [cheap, 2],
      [dear, 1],
      [cheap, 1],
    ]);
  });

  it('answers 404 for an unknown item or order, changing nothing', async () => {
    const order_id = (await call(createOrder, { user_id: await newUser() })).body.order_id;
    expect((await call(addItem, { order_id, item_id: 'no-such-item', quantity: '1' })).status).toBe(404);
    expect((await call(addItem, { order_id: 'no-such-order', item_id: await newItem(1), quantity: '1' })).status).toBe(404);
    expect((await call(findOrder, { order_id })).body).toMatchObject({ items: [], total_cost: 0 });
  });

  it('refuses an item that would push total_cost past 2^53-1', async () => {
    const order_id = (await call(createOrder, { user_id: await newUser() })).body.order_id;
    const item_id = await newItem(2 ** 52);
    expect((await call(addItem, { order_id, item_id, quantity: '1' })).status).toBe(200);
    const refused = await call(addItem, { order_id, item_id, quantity: '1' });
    expect(refused.status).toBe(400);
    expect((await call(findOrder, { order_id })).body).toMatchObject({
      items: [[item_id, 1]],
      total_cost: 2 ** 52,
    });
  });

  it('batch_init writes orders "0".."n-1" with two items, a user and 2 × price', async () => {
    expect((await call(batchInit, { n: '300', n_items: '10', n_users: '5', item_price: '4' })).body).toEqual({
      msg: 'Batch init for orders successful',
    });
    for (const order_id of ['0', '150', '299']) {
      const { body } = await call(findOrder, { order_id });
      expect(body).toMatchObject({ order_id, paid: false, total_cost: 8 });
      expect(body.items).toHaveLength(2);
      for (const [item, quantity] of body.items) {
        expect(Number(item)).toBeGreaterThanOrEqual(0);
        expect(Number(item)).toBeLessThan(10);
        expect(quantity).toBe(1);
      }
      expect(Number(body.user_id)).toBeLessThan(5);
    }
  });
});

describe('batch_init of orders over existing ones', () => {
  it('replaces each finished order whole, and keeps one a running checkout holds (409)', async () => {
    const { redisFor } = await import('@lib/clients/redis');
    await redisFor('order').hset('{order}:order:0', 'checkout', '', 'paid', '1', 'stale', 'x');
    await redisFor('order').hset('{order}:order:1', 'checkout', 'some-saga', 'paid', '0', 'items', 'a 1');
    const answer = await call(batchInit, { n: '2', n_items: '1', n_users: '1', item_price: '1' });
    expect(answer.status).toBe(409);
    expect(await redisFor('order').hgetall('{order}:order:0')).toEqual({
      user_id: '0',
      paid: '0',
      total_cost: '2',
      items: '0 1,0 1',
    });
    expect(await redisFor('order').hget('{order}:order:1', 'checkout')).toBe('some-saga');
    expect((await call(findOrder, { order_id: '1' })).body.items).toEqual([['a', 1]]);
  });
});
