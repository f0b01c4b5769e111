import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { config, type Service } from './config';

export type RedisClient = Redis | Cluster;

// One connection per distinct URL per process: services that share a Redis share a client, and
// auto-pipelining batches the commands of concurrent invocations into one round trip.
const clients = new Map<string, RedisClient>();

const commonOptions: RedisOptions = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 3,
};

export function connectRedis(url: string): RedisClient {
  const parsed = new URL(url);
  const tls = parsed.protocol.startsWith('rediss') ? {} : undefined;
  if (parsed.protocol.endsWith('-cluster:')) {
    // redis-cluster://host1:port1,host2:port2 — the URL parser keeps only the first host.
    const seeds = url.replace(/^[a-z-]+:\/\//, '').replace(/\/.*$/, '').replace(/^.*@/, '').split(',');
    return new Cluster(
      seeds.map((seed) => {
        const [host, port] = seed.split(':');
        return { host, port: Number(port || 6379) };
      }),
      {
        enableAutoPipelining: true,
        redisOptions: {
          ...commonOptions,
          tls,
          username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
          password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
        },
      },
    );
  }
  return new Redis(url, { ...commonOptions, tls });
}

export function redisFor(service: Service): RedisClient {
  const url = config.redisUrls[service];
  let client = clients.get(url);
  if (!client) {
    client = connectRedis(url);
    clients.set(url, client);
  }
  return client;
}

export async function closeRedisClients(): Promise<void> {
  const open = [...clients.values()];
  clients.clear();
  await Promise.all(open.map((client) => client.quit().catch(() => client.disconnect())));
}
