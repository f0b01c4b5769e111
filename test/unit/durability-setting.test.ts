// REDIS_DURABILITY: read and checked by lib/clients/config.ts. (What `none` does to the writes, against
// a real Redis: test/integration/durability/setting.test.ts.)
import { parseDurability, readConfig } from '@lib/clients/config';

it("reads each setting, with the replicas' wait bounded by default", () => {
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
