// REDIS_DURABILITY=replicas:N with Redis Cluster: WAIT must go to the node that took the write
// (a WAIT on any other node returns at once, having nothing of this connection's to wait for).
// A real cluster of three masters with a replica each; the replica of the node holding the stock
// is stopped, so only a WAIT on that very node can fall short.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { closeRedisClients } from '@lib/clients/redis';
import * as sagaStock from '@lib/store/saga-stock';
import * as stock from '@lib/store/stock-store';
import { startRedisCluster, type RedisCluster } from '../../../scripts/stack/redis-cluster';
import { configureTest } from '../../support/config';

const dir = mkdtempSync(join(tmpdir(), 'sagashop-cluster-durability-'));
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster(dir, 3, 1);
  configureTest({ REDIS_URL: cluster.url, REDIS_DURABILITY: 'replicas:1:3000' });
}, 120_000);
afterAll(async () => {
  await closeRedisClients();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The redis-server process of the replica of the master that holds `{stock}`. */
async function stockReplica() {
  const seed = /redis-cluster:\/\/[^:]+:(\d+)/.exec(cluster.url)![1];
  const admin = new Redis({ port: Number(seed), host: '127.0.0.1' });
  try {
    const slot = Number(await admin.cluster('KEYSLOT', '{stock}'));
    const lines = String(await admin.cluster('NODES'))
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const master = lines.find(
      ([, , flags, , , , , , ...ranges]) =>
        flags.includes('master') &&
        ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from && slot <= to;
        }),
    )!;
    const replica = lines.find(([, , flags, masterId]) => flags.includes('slave') && masterId === master[0])!;
    const port = replica[1].split(':')[1].split('@')[0];
    return cluster.nodes[cluster.nodes.findIndex((node) => node.child.spawnargs.includes(port))];
  } finally {
    admin.disconnect();
  }
}

// A replica gets 3 s to acknowledge: ample on a loaded machine (the stopped one is the fault under test).
it('a write and an acted-on read wait for the replica of the very node that took them, and fail while it lags', async () => {
  const itemId = await stock.createItem(3);
  expect(await stock.changeStock(itemId, 10)).toBe(10);
  const replica = await stockReplica();
  replica.child.kill('SIGSTOP');
  try {
    await expect(stock.changeStock(itemId, 5)).rejects.toThrow(/only 0 of 1 replica\(s\) acknowledged the write within 3000 ms/);
    await expect(sagaStock.readStockMarker('saga-x')).rejects.toThrow(/only 0 of 1 replica/);
  } finally {
    replica.child.kill('SIGCONT');
  }
  // Back in step: the write Redis made (and the step would retry) is there, and new ones pass.
  expect(await stock.changeStock(itemId, 1)).toBe(16);
}, 30_000);
