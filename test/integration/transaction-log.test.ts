import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { handler as addFunds } from '../../functions/http/payment/add-funds';
import { handler as createUser } from '../../functions/http/payment/create-user';
import { handler as pay } from '../../functions/http/payment/pay';
import { handler as addStock } from '../../functions/http/stock/add-stock';
import { handler as createItem } from '../../functions/http/stock/create-item';
import { handler as subtractStock } from '../../functions/http/stock/subtract-stock';
import { call } from '../support/lambda';
import { flushDatabase } from '../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

const entries = async (stream: string) =>
  (await redisFor('stock').xrange(stream, '-', '+')).map(([, fields]) => {
    const entry: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1];
    return entry;
  });

describe('the transaction log of direct balance changes', () => {
  it('records each stock change with before, after and the Redis clock, in the same script', async () => {
    const { item_id } = (await call(createItem, { price: '1' })).body;
    const before = Date.now();
    await call(addStock, { item_id, amount: '5' });
    await call(subtractStock, { item_id, amount: '2' });
    const log = (await entries('{stock}:log')).filter((entry) => entry.id === item_id);
    expect(log).toEqual([
      expect.objectContaining({ step: 'add-stock', delta: '5', before: '0', after: '5' }),
      expect.objectContaining({ step: 'subtract-stock', delta: '-2', before: '5', after: '3' }),
    ]);
    for (const entry of log) expect(Math.abs(Number(entry.t) - before)).toBeLessThan(60_000);
    expect(await redisFor('stock').hget(`{stock}:item:${item_id}`, 'direct')).toBe('3');
  });

  it('records credit changes, and nothing for a refused payment', async () => {
    const { user_id } = (await call(createUser)).body;
    await call(addFunds, { user_id, amount: '10' });
    expect((await call(pay, { user_id, amount: '11' })).status).toBe(400);
    await call(pay, { user_id, amount: '4' });
    const log = (await entries('{payment}:log')).filter((entry) => entry.id === user_id);
    expect(log.map((entry) => [entry.step, entry.delta, entry.after])).toEqual([
      ['add-funds', '10', '10'],
      ['pay', '-4', '6'],
    ]);
  });
});
