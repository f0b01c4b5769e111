// A Redis master with one replica (two real redis-server processes), and the failover ElastiCache
// or Sentinel performs: the replica, which stopped receiving at some moment, is promoted, and the
// old master rejoins as its replica (losing whatever the promoted one never had).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../../scripts/stack/free-port';
import type { ManagedProcess } from '../../scripts/stack/processes';
import { startRedis } from '../../scripts/stack/redis';

const admin = (port: number) => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const field = async (client: Redis, name: string) => new RegExp(`${name}:(\\S+)`).exec(await client.info('replication'))?.[1];

async function linked(master: Redis, replica: Redis): Promise<void> {
  await until(
    'the replica is linked',
    async () => (await field(replica, 'master_link_status')) === 'up' && /slave0:.*state=online/.test(await master.info('replication')),
  );
}

export interface ReplicaPair {
  /** The URL of whichever server is master now. */
  masterUrl(): string;
  /** The replica stops receiving: from here on it misses every write (a lagging replica). */
  cutOff(): Promise<void>;
  /** Promotes the replica, which was cut off, and makes the old master its replica. */
  failOver(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-replica-pair-'));
  const ports = [await freePort(), await freePort()];
  const servers: ManagedProcess[] = [];
  for (const [index, port] of ports.entries()) {
    servers.push(
      await startRedis({
        port,
        dataDir: join(dir, String(index)),
        logFile: join(dir, `${index}.log`),
        extraArgs: ['--appendonly', 'no', '--repl-diskless-sync-delay', '0'],
      }),
    );
  }
  let [master, replica] = ports.map(admin);
  let [masterPort, replicaPort] = ports;
  await replica.replicaof('127.0.0.1', masterPort);
  await linked(master, replica);
  let cut = false;
  return {
    masterUrl: () => `redis://127.0.0.1:${masterPort}`,
    async cutOff() {
      await replica.call('REPLICAOF', 'NO', 'ONE');
      cut = true;
    },
    async failOver() {
      if (!cut) await replica.call('REPLICAOF', 'NO', 'ONE');
      cut = false;
      await master.replicaof('127.0.0.1', replicaPort);
      [master, replica] = [replica, master];
      [masterPort, replicaPort] = [replicaPort, masterPort];
      await linked(master, replica);
    },
    async stop() {
      master.disconnect();
      replica.disconnect();
      await Promise.all(servers.map((server) => server.stop('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
