import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { waitUntil, type ManagedProcess } from './processes';
import { startRedis } from './redis';

const run = promisify(execFile);

export interface RedisCluster {
  /** The URL our Redis client reads as a cluster: redis-cluster://host:port,host:port,... */
  url: string;
  nodes: ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `size` masters on free ports, each with `replicas` replicas, joined with
 * `redis-cli --cluster create`.
 */
export async function startRedisCluster(dir: string, size = 3, replicas = 0): Promise<RedisCluster> {
  const ports: number[] = [];
  const nodes: ManagedProcess[] = [];
  for (let index = 0; index < size * (1 + replicas); index++) {
    const port = await freePort();
    ports.push(port);
    nodes.push(
      await startRedis({
        port,
        dataDir: join(dir, `node-${port}`),
        logFile: join(dir, `node-${port}.log`),
        extraArgs: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '5000',
          '--repl-diskless-sync-delay',
          '0',
        ],
      }),
    );
  }
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
  await waitUntil(
    'the Redis Cluster to agree on its slots and replicas',
    async () => {
      const states = await Promise.all(
        ports.map(async (port) => {
          const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
          try {
            await client.connect();
            const replicasKnown = (String(await client.cluster('NODES')).match(/\bslave\b/g) ?? []).length;
            return /cluster_state:ok/.test(await client.cluster('INFO')) && replicasKnown === size * replicas;
          } finally {
            client.disconnect();
          }
        }),
      );
      return states.every(Boolean);
    },
    30_000,
  );
  return {
    url: `redis-cluster://${addresses.join(',')}`,
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
