// REDIS_DURABILITY: read and checked by lib/clients/config.ts; `none` is allowed, and said once, loudly.
import { parseDurability, readConfig } from '@lib/clients/config';
import { logger } from '@lib/lambda/observability';
import { closeRedisClients } from '@lib/clients/redis';
import * as stock from '@lib/store/stock-store';
import { configureTest } from '../../support/config';

afterAll(() => closeRedisClients());

it('reads each setting, with the replicas\' wait bounded by default', () => {
  expect(parseDurability('fsync')).toEqual({ mode: 'fsync' });
  expect(parseDurability('memorydb')).toEqual({ mode: 'memorydb' });
  expect(parseDurability('none')).toEqual({ mode: 'none' });
  expect(parseDurability('replicas:1')).toEqual({ mode: 'replicas', replicas: 1, timeoutMs: 1000 });
  expect(parseDurability(' replicas:2:250 ')).toEqual({ mode: 'replicas', replicas: 2, timeoutMs: 250 });
});

it('defaults to fsync locally and refuses anything else, naming the choices', () => {
  expect(readConfig({ REDIS_URL: 'redis://h:1' }).durability).toEqual({ mode: 'fsync' });
  for (const bad of ['always', 'replicas', 'replicas:0', 'replicas:1:0', 'replicas:x', 'FSYNC']) {
    expect(() => readConfig({ REDIS_URL: 'redis://h:1', REDIS_DURABILITY: bad })).toThrow(
      `REDIS_DURABILITY must be one of fsync, replicas:N (or replicas:N:timeoutMs), memorydb, none (got "${bad}")`,
    );
  }
});

it('none: the writes go through, and one warning at first use says what is lost', async () => {
  const warn = jest.spyOn(logger, 'warn').mockImplementation(() => {});
  configureTest({ REDIS_DURABILITY: 'none' });
  const itemId = await stock.createItem(1);
  await stock.changeStock(itemId, 5);
  await stock.changeStock(itemId, 5);
  const warnings = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.startsWith('REDIS_DURABILITY=none'));
  expect(warnings).toEqual([expect.stringMatching(/crash of the Redis host or a failover may lose writes .* all-or-nothing promise of checkout no longer holds/)]);
  expect((await stock.findItem(itemId))?.stock).toBe(10);
  warn.mockRestore();
});
