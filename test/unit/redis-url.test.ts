import { readConfig } from '@lib/clients/config';
import type Redis from 'ioredis';
import { connectRedis } from '@lib/clients/redis';
import { parseRedisUrl } from '@lib/clients/redis-url';

describe('Redis URLs', () => {
  it('reads a single server, with TLS, credentials and a database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390')).toEqual({
      cluster: false,
      tls: false,
      seeds: [{ host: '127.0.0.1', port: 6390 }],
      db: undefined,
    });
    expect(parseRedisUrl('rediss://default:s%40cret@cache.example.com:6379/2')).toEqual({
      cluster: false,
      tls: true,
      seeds: [{ host: 'cache.example.com', port: 6379 }],
      username: 'default',
      password: 's@cret',
      db: 2,
    });
    expect(parseRedisUrl('redis://:token@host')).toMatchObject({
      username: undefined,
      password: 'token',
      seeds: [{ host: 'host', port: 6379 }],
    });
  });

  it('reads a cluster from its seed nodes', () => {
    expect(parseRedisUrl('rediss-cluster://:token@a:7000,b:7001')).toEqual({
      cluster: true,
      tls: true,
      seeds: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      username: undefined,
      password: 'token',
      db: undefined,
    });
  });

  it('reads sentinels, the master set they watch, credentials for the servers and a database', () => {
    expect(parseRedisUrl('redis-sentinel://127.0.0.1:26379,10.0.0.2:26380/mymaster')).toEqual({
      cluster: false,
      tls: false,
      seeds: [
        { host: '127.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      sentinelMaster: 'mymaster',
      db: undefined,
    });
    expect(parseRedisUrl('redis-sentinel://:p%2Fw@s1/shop.primary-1/3/')).toEqual({
      cluster: false,
      tls: false,
      seeds: [{ host: 's1', port: 6379 }],
      password: 'p/w',
      username: undefined,
      sentinelMaster: 'shop.primary-1',
      db: 3,
    });
  });

  it('gives a sentinel URL to ioredis as sentinels and a master name, for duplicates too', async () => {
    const client = connectRedis('redis-sentinel://127.0.0.1:1,127.0.0.1:2/shop/2') as Redis;
    try {
      const duplicate = client.duplicate();
      duplicate.disconnect();
      for (const options of [client.options, duplicate.options]) {
        expect(options).toMatchObject({
          sentinels: [
            { host: '127.0.0.1', port: 1 },
            { host: '127.0.0.1', port: 2 },
          ],
          name: 'shop',
          db: 2,
        });
      }
    } finally {
      client.disconnect();
    }
  });

  it.each([
    'http://host:6379',
    'redis://',
    'redis://a:1,b:2',
    'redis-cluster://a:1/3',
    'redis://host:99999',
    'redis://host:port',
    'redis-sentinel://a:1',
    'redis-sentinel://a:1/',
    'redis-sentinel://a:1/bad name',
    'redis-sentinel://a:1/master/x',
  ])('refuses %s', (url) => {
    expect(() => parseRedisUrl(url)).toThrow();
  });

  it('makes the configuration fail fast on a bad URL', async () => {
    expect(() => readConfig({ STOCK_REDIS_URL: 'http://nope' })).toThrow(/STOCK_REDIS_URL must look like/);
    expect(readConfig({ ORDER_REDIS_URL: 'redis://o:1' }).redisUrls.ids).toBe('redis://o:1');
    expect(readConfig({ REDIS_URL: 'redis-sentinel://s:26379/shop' }).redisUrls.stock).toBe('redis-sentinel://s:26379/shop');
  });
});
