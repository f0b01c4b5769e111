import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from '../../../scripts/stack/free-port';

export interface TokenRedis {
  port: number;
  stop: () => void;
}

/**
 * A Redis that answers only to `token` (the bundles can reach it only by reading the token from
 * SSM) with one replica, as the production template's default storeDurability (replicas:1)
 * requires: each write the bundles act on is acknowledged by the replica first.
 */
export async function startTokenRedisWithReplica(token: string): Promise<TokenRedis> {
  const port = await freePort();
  const processes: ChildProcess[] = [];
  const stop = () => processes.forEach((server) => server.kill('SIGKILL'));
  processes.push(
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        token,
        '--save',
        '',
        '--appendonly',
        'no',
        '--repl-diskless-sync-delay',
        '0',
      ],
      { stdio: 'ignore' },
    ),
  );
  const replicaPort = await freePort();
  processes.push(
    spawn(
      'redis-server',
      [
        '--port',
        String(replicaPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--replicaof',
        '127.0.0.1',
        String(port),
        '--masterauth',
        token,
        '--repl-diskless-load',
        'on-empty-db',
      ],
      { stdio: 'ignore' },
    ),
  );
  const admin = new Redis({ port, host: '127.0.0.1', password: token, retryStrategy: () => 50 });
  try {
    while (!/slave0:.*state=online/.test(await admin.info('replication'))) await new Promise((resolve) => setTimeout(resolve, 50));
  } catch (error) {
    stop();
    throw error;
  } finally {
    admin.disconnect();
  }
  return { port, stop };
}
