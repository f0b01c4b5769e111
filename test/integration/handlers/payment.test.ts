import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { handler as addFunds } from '../../../functions/http/payment/add-funds';
import { handler as batchInit } from '../../../functions/http/payment/batch-init-users';
import { handler as createUser } from '../../../functions/http/payment/create-user';
import { handler as findUser } from '../../../functions/http/payment/find-user';
import { handler as pay } from '../../../functions/http/payment/pay';
import { call } from '../../support/lambda';
import { flushDatabase } from '../../support/redis-state';

beforeAll(flushDatabase);
afterAll(closeRedisClients);

describe('payment handlers', () => {
  it('creates a user with credit 0, stored in Redis', async () => {
    const { status, body } = await call(createUser);
    expect(status).toBe(200);
    expect(await redisFor('payment').hgetall(`{payment}:user:${body.user_id}`)).toEqual({
      credit: '0',
      direct: '0',
    });
    expect((await call(findUser, { user_id: body.user_id })).body).toEqual({
      user_id: body.user_id,
      credit: 0,
    });
  });

  it('adds funds and pays, refusing a payment above the credit', async () => {
    const { user_id } = (await call(createUser)).body;
    expect((await call(addFunds, { user_id, amount: '50' })).body).toEqual({ user_id, credit: 50 });
    expect((await call(pay, { user_id, amount: '20' })).body).toEqual({ user_id, credit: 30 });
    const refused = await call(pay, { user_id, amount: '31' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/credit/);
    expect((await call(findUser, { user_id })).body.credit).toBe(30);
  });

  it('answers 404 for an unknown user', async () => {
    expect((await call(findUser, { user_id: 'ghost' })).status).toBe(404);
    expect((await call(pay, { user_id: 'ghost', amount: '1' })).status).toBe(404);
  });

  it('batch_init writes users "0".."n-1" with the starting credit', async () => {
    expect((await call(batchInit, { n: '500', starting_money: '77' })).body).toEqual({
      msg: 'Batch init for users successful',
    });
    expect((await call(findUser, { user_id: '499' })).body).toEqual({ user_id: '499', credit: 77 });
  });

  it('200 concurrent payments of 1 against credit 100: exactly 100 succeed and credit ends at 0', async () => {
    const { user_id } = (await call(createUser)).body;
    await call(addFunds, { user_id, amount: '100' });
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(pay, { user_id, amount: '1' })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(100);
    expect((await call(findUser, { user_id })).body.credit).toBe(0);
  });
});
