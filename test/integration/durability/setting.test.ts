// REDIS_DURABILITY=none is allowed, and said once, loudly, at the first write. (How the setting is
// read and checked by lib/clients/config.ts: test/unit/durability-setting.test.ts.)
import { logger } from '@lib/lambda/observability';
import { closeRedisClients } from '@lib/clients/redis';
import * as stock from '@lib/store/stock-store';
import { configureTest } from '../../support/config';

afterAll(() => closeRedisClients());

it('none: the writes go through, and one warning at first use says what is lost', async () => {
  const warn = jest.spyOn(logger, 'warn').mockImplementation(() => {});
  configureTest({ REDIS_DURABILITY: 'none' });
  const itemId = await stock.createItem(1);
  await stock.changeStock(itemId, 5);
  await stock.changeStock(itemId, 5);
  const warnings = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.startsWith('REDIS_DURABILITY=none'));
  expect(warnings).toEqual([
    expect.stringMatching(/crash of the Redis host or a failover may lose writes .* all-or-nothing promise of checkout no longer holds/),
  ]);
  expect((await stock.findItem(itemId))?.stock).toBe(10);
  warn.mockRestore();
});
