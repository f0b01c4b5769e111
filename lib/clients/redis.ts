import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { config, type Service } from './config';
import { redisAuth } from './redis-auth';
import { parseRedisUrl } from './redis-url';
import { redactUrl } from './secrets';

export type RedisClient = Redis | Cluster;

// One connection per distinct URL per process: services that share a Redis share a client, and
// auto-pipelining batches the commands of concurrent invocations into one round trip.
const clients = new Map<string, RedisClient>();

const commonOptions: RedisOptions = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 3,
};

/**
 * ioredis emits 'error' on every failed reconnect attempt, and an unheard one prints "[ioredis]
 * Unhandled error event" with a stack, several times a second for as long as Redis is away. One
 * line when it goes and one when it is back say the same; the commands that fail meanwhile are
 * answered by their callers (a JSON 5xx, a retried message).
 */
function reportOutages(client: RedisClient, url: string): RedisClient {
  let away = false;
  client.on('error', (error: Error) => {
    if (away) return;
    away = true;
    console.error(`Redis at ${redactUrl(url)} cannot be reached (${error.message}); retrying until it is back`);
  });
  client.on('ready', () => {
    if (!away) return;
    away = false;
    console.error(`Redis at ${redactUrl(url)} is reachable again`);
  });
  return client;
}

export function connectRedis(url: string): RedisClient {
  const endpoint = parseRedisUrl(url);
  // ElastiCache in-transit encryption: rediss:// turns TLS on; the password is its AUTH token,
  // given in the URL locally and read from SSM on AWS (lib/clients/redis-auth.ts).
  const connection: RedisOptions = {
    ...commonOptions,
    tls: endpoint.tls ? {} : undefined,
    username: endpoint.username,
    password: endpoint.password ?? redisAuth.token(),
  };
  if (endpoint.cluster) {
    const cluster = new Cluster(endpoint.seeds, {
      enableAutoPipelining: true,
      // ElastiCache answers with node addresses its TLS certificates name: keep the hostnames.
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: connection,
    });
    return reportOutages(cluster, url);
  }
  if (endpoint.sentinelMaster) {
    // Every connection (and every duplicate(), such as the verdict subscriber) asks the sentinels
    // where the master is, checks the role of the node it finds, and asks again when that node
    // goes away or answers READONLY (a master demoted while it was still up). Not ioredis's
    // failoverDetector: its sentinel connections outlive quit() and keep a script from exiting.
    const sentinel: RedisOptions = {
      ...connection,
      sentinels: endpoint.seeds,
      name: endpoint.sentinelMaster,
      db: endpoint.db ?? 0,
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
    };
    return reportOutages(new Redis(sentinel), url);
  }
  return reportOutages(new Redis({ ...connection, ...endpoint.seeds[0], db: endpoint.db ?? 0 }), url);
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
