// A direct change (pay, add funds, add or subtract stock, add an item) whose write ran on the
// master but whose wait for the replica fell short may stand or be lost by a failover. Answered
// "please try again", a client's retry applied the payment twice (found in review): the answer now
// says to read the change back before repeating it, and the next write asks the master again, so
// a master without its replica refuses before writing.
import Redis from 'ioredis';
import { closeRedisClients } from '@lib/clients/redis';
import { handler as findUserHandler } from '../../../functions/http/payment/find-user';
import { handler as payHandler } from '../../../functions/http/payment/pay';
import { configureTest } from '../../support/config';
import { call } from '../../support/lambda';
import { startReplicaPair, type ReplicaPair } from '../../support/replica-pair';
import { smallShop } from '../../support/small-shop';

let pair: ReplicaPair;
beforeEach(async () => {
  pair = await startReplicaPair();
  await closeRedisClients();
  configureTest({ REDIS_DURABILITY: 'replicas:1:500', REDIS_URL: pair.masterUrl() });
});
afterEach(async () => {
  await closeRedisClients();
  await pair.stop();
});

it('a payment whose wait fell short is answered 503 "read it back", and the next one is refused before it writes', async () => {
  const shop = await smallShop();
  await pair.cutOff(); // the replica stops following: no write can be acknowledged
  const first = await call(payHandler, { user_id: shop.userId, amount: '10' });
  const second = await call(payHandler, { user_id: shop.userId, amount: '10' });
  const master = new Redis(pair.masterUrl());
  const credit = await master.hget(`{payment}:user:${shop.userId}`, 'credit');
  master.disconnect();
  expect(first).toMatchObject({
    status: 503,
    body: {
      error: expect.stringMatching(/may or may not have been applied: read it back before repeating it/),
    },
  });
  expect(second).toMatchObject({
    status: 503,
    body: { error: expect.stringMatching(/nothing was changed/) },
  });
  // The first payment ran on the master (a failover may still lose it); the second never did.
  expect(credit).toBe('90');
});

it('find-user does not answer a credit only the master holds', async () => {
  const shop = await smallShop();
  await pair.cutOff();
  await call(payHandler, { user_id: shop.userId, amount: '10' }); // 90 on the master alone
  const found = await call(findUserHandler, { user_id: shop.userId });
  expect(found).toMatchObject({ status: 503, body: { error: expect.stringMatching(/nothing was changed/) } });
});
