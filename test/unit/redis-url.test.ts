import { readConfig } from '@lib/config';
import { parseRedisUrl } from '@lib/redis-url';

describe('Redis URLs', () => {
  it('reads a single server, with TLS, credentials and a database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390')).toEqual({ cluster: false, tls: false, seeds: [{ host: '127.0.0.1', port: 6390 }], db: undefined });
    expect(parseRedisUrl('rediss://default:s%40cret@cache.example.com:6379/2')).toEqual({
      cluster: false,
      tls: true,
      seeds: [{ host: 'cache.example.com', port: 6379 }],
      username: 'default',
      password: 's@cret',
      db: 2,
    });
    expect(parseRedisUrl('redis://:token@host')).toMatchObject({ username: undefined, password: 'token', seeds: [{ host: 'host', port: 6379 }] });
  });

  it('reads a cluster from its seed nodes', () => {
    expect(parseRedisUrl('rediss-cluster://:token@a:7000,b:7001')).toEqual({
      cluster: true,
      tls: true,
      seeds: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }],
      username: undefined,
      password: 'token',
      db: undefined,
    });
  });

  it.each(['http://host:6379', 'redis://', 'redis://a:1,b:2', 'redis-cluster://a:1/3', 'redis://host:99999', 'redis://host:port'])('refuses %s', (url) => {
    expect(() => parseRedisUrl(url)).toThrow();
  });

  it('makes the configuration fail fast on a bad URL', async () => {
    expect(() => readConfig({ STOCK_REDIS_URL: 'http://nope' })).toThrow(/STOCK_REDIS_URL must look like/);
    expect(readConfig({ ORDER_REDIS_URL: 'redis://o:1' }).redisUrls.ids).toBe('redis://o:1');
  });
});
