import { closeRedisClients } from '@lib/clients/redis';
import { handler as addItem } from '../../../functions/http/order/add-item';
import { handler as batchInitOrders } from '../../../functions/http/order/batch-init-orders';
import { handler as createOrder } from '../../../functions/http/order/create-order';
import { handler as findOrder } from '../../../functions/http/order/find-order';
import { handler as addFunds } from '../../../functions/http/payment/add-funds';
import { handler as batchInitUsers } from '../../../functions/http/payment/batch-init-users';
import { handler as createUser } from '../../../functions/http/payment/create-user';
import { handler as findUser } from '../../../functions/http/payment/find-user';
import { handler as pay } from '../../../functions/http/payment/pay';
import { handler as addStock } from '../../../functions/http/stock/add-stock';
import { handler as batchInitItems } from '../../../functions/http/stock/batch-init-items';
import { handler as createItem } from '../../../functions/http/stock/create-item';
import { handler as findItem } from '../../../functions/http/stock/find-item';
import { handler as subtractStock } from '../../../functions/http/stock/subtract-stock';
import { call } from '../../support/lambda';
import { flushDatabase, snapshot } from '../../support/redis-state';

const TOO_BIG = '9007199254740992'; // 2^53
const LONG_ID = 'a'.repeat(65);
let item = '';
let user = '';
let order = '';

beforeAll(async () => {
  await flushDatabase();
  item = (await call(createItem, { price: '5' })).body.item_id;
  user = (await call(createUser)).body.user_id;
  order = (await call(createOrder, { user_id: user })).body.order_id;
  await call(addStock, { item_id: item, amount: '10' });
  await call(addFunds, { user_id: user, amount: '10' });
  await call(addItem, { order_id: order, item_id: item, quantity: '1' });
});
afterAll(closeRedisClients);

type Case = [route: string, handler: unknown, params: () => Record<string, string>, status: number];

// For every route: each malformed parameter, 2^53, an over-long id and an unknown id.
const cases: Case[] = [
  ['create item: negative price', createItem, () => ({ price: '-1' }), 400],
  ['create item: fractional price', createItem, () => ({ price: '1.5' }), 400],
  ['create item: price 2^53', createItem, () => ({ price: TOO_BIG }), 400],
  ['find item: unknown id', findItem, () => ({ item_id: 'missing' }), 404],
  ['find item: over-long id', findItem, () => ({ item_id: LONG_ID }), 400],
  ['find item: id with a slash', findItem, () => ({ item_id: 'a/b' }), 400],
  ['add stock: zero', addStock, () => ({ item_id: item, amount: '0' }), 400],
  ['add stock: negative', addStock, () => ({ item_id: item, amount: '-3' }), 400],
  ['add stock: not a number', addStock, () => ({ item_id: item, amount: 'ten' }), 400],
  ['add stock: 2^53', addStock, () => ({ item_id: item, amount: TOO_BIG }), 400],
  ['add stock: unknown item', addStock, () => ({ item_id: 'missing', amount: '1' }), 404],
  ['add stock: over-long id', addStock, () => ({ item_id: LONG_ID, amount: '1' }), 400],
  ['subtract stock: zero', subtractStock, () => ({ item_id: item, amount: '0' }), 400],
  ['subtract stock: fractional', subtractStock, () => ({ item_id: item, amount: '0.5' }), 400],
  ['subtract stock: 2^53', subtractStock, () => ({ item_id: item, amount: TOO_BIG }), 400],
  ['subtract stock: more than held', subtractStock, () => ({ item_id: item, amount: '11' }), 400],
  ['subtract stock: unknown item', subtractStock, () => ({ item_id: 'missing', amount: '1' }), 404],
  ['batch stock: n = 0', batchInitItems, () => ({ n: '0', starting_stock: '1', item_price: '1' }), 400],
  ['batch stock: negative stock', batchInitItems, () => ({ n: '2', starting_stock: '-1', item_price: '1' }), 400],
  ['batch stock: price 2^53', batchInitItems, () => ({ n: '2', starting_stock: '1', item_price: TOO_BIG }), 400],
  ['batch stock: n too large', batchInitItems, () => ({ n: '1000001', starting_stock: '1', item_price: '1' }), 400],
  ['find user: unknown id', findUser, () => ({ user_id: 'missing' }), 404],
  ['find user: over-long id', findUser, () => ({ user_id: LONG_ID }), 400],
  ['add funds: zero', addFunds, () => ({ user_id: user, amount: '0' }), 400],
  ['add funds: 2^53', addFunds, () => ({ user_id: user, amount: TOO_BIG }), 400],
  ['add funds: exponent', addFunds, () => ({ user_id: user, amount: '1e2' }), 400],
  ['add funds: unknown user', addFunds, () => ({ user_id: 'missing', amount: '1' }), 404],
  ['add funds: over the maximum credit', addFunds, () => ({ user_id: user, amount: String(Number.MAX_SAFE_INTEGER) }), 400],
  ['pay: zero', pay, () => ({ user_id: user, amount: '0' }), 400],
  ['pay: negative', pay, () => ({ user_id: user, amount: '-1' }), 400],
  ['pay: more than the credit', pay, () => ({ user_id: user, amount: '11' }), 400],
  ['pay: unknown user', pay, () => ({ user_id: 'missing', amount: '1' }), 404],
  ['pay: over-long id', pay, () => ({ user_id: LONG_ID, amount: '1' }), 400],
  ['batch users: n not a number', batchInitUsers, () => ({ n: 'many', starting_money: '1' }), 400],
  ['batch users: money 2^53', batchInitUsers, () => ({ n: '2', starting_money: TOO_BIG }), 400],
  ['create order: unknown user', createOrder, () => ({ user_id: 'missing' }), 404],
  ['create order: over-long id', createOrder, () => ({ user_id: LONG_ID }), 400],
  ['find order: unknown id', findOrder, () => ({ order_id: 'missing' }), 404],
  ['find order: bad id', findOrder, () => ({ order_id: 'a b' }), 400],
  ['add item: quantity 0', addItem, () => ({ order_id: order, item_id: item, quantity: '0' }), 400],
  ['add item: quantity 2^53', addItem, () => ({ order_id: order, item_id: item, quantity: TOO_BIG }), 400],
  ['add item: unknown item', addItem, () => ({ order_id: order, item_id: 'missing', quantity: '1' }), 404],
  ['add item: unknown order', addItem, () => ({ order_id: 'missing', item_id: item, quantity: '1' }), 404],
  ['add item: over-long order id', addItem, () => ({ order_id: LONG_ID, item_id: item, quantity: '1' }), 400],
  ['add item: cost past 2^53-1', addItem, () => ({ order_id: order, item_id: item, quantity: String(2 ** 52) }), 400],
  ['batch orders: n_items 0', batchInitOrders, () => ({ n: '2', n_items: '0', n_users: '1', item_price: '1' }), 400],
  ['batch orders: n_users negative', batchInitOrders, () => ({ n: '2', n_items: '1', n_users: '-1', item_price: '1' }), 400],
  [
    'batch orders: 2 × price past 2^53-1',
    batchInitOrders,
    () => ({ n: '2', n_items: '1', n_users: '1', item_price: String(2 ** 52) }),
    400,
  ],
];

describe('bad input', () => {
  it.each(cases)('%s → %i with a JSON error, nothing changed', async (_route, handler, params, status) => {
    const before = await snapshot();
    const answer = await call(handler, params());
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('application/json');
    expect(typeof answer.body.error).toBe('string');
    expect(answer.body.error).not.toMatch(/\{stock\}|\{payment\}|\{order\}|ERR|at .*\.ts/);
    expect(await snapshot()).toEqual(before);
  });

  it('answers a failure it did not expect with a 500 that reveals no internals', async () => {
    const { errorResult } = await import('@lib/lambda/http');
    const { logger } = await import('@lib/lambda/observability');
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const result = errorResult(new Error('ERR connection to {stock}:item:1 lost'));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(String(result.body)).error).not.toMatch(/ERR|stock/);
    expect(logged).toHaveBeenCalled(); // the operator still sees what went wrong
    logged.mockRestore();
  });
});
