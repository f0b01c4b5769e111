import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { portInUseMessage } from './leftovers';
import { isPortFree, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';
import { ensureCommand, realSystem, type PackageNames, type SystemAccess } from './system-packages';

/** The packages that bring redis-server, per package manager (Fedora and Homebrew call it redis). */
export const REDIS_PACKAGES: PackageNames = {
  apt: 'redis-server',
  dnf: 'redis',
  brew: 'redis',
  why: 'for the local Redis',
};

let ensuring: Promise<string> | undefined;

/**
 * redis-server's path, installed first when it is missing and this process may install it (see
 * system-packages.ts), or an error naming the one command to type. Every start of Redis asks, so
 * `npm start`, `serverless offline start` and the tests all work on a machine without it; parts
 * started at once share one install.
 */
export function ensureRedisServer(system: SystemAccess = realSystem): Promise<string> {
  if (system !== realSystem) return ensureCommand('redis-server', REDIS_PACKAGES, system);
  ensuring ??= ensureCommand('redis-server', REDIS_PACKAGES, system).catch((error: Error) => {
    ensuring = undefined; // the next start asks again (the user may have installed it meanwhile)
    throw error;
  });
  return ensuring;
}

export interface RedisOptions {
  port: number;
  dataDir: string;
  logFile: string;
  extraArgs?: string[];
  /** A command that runs redis-server, e.g. strace (test/integration/durability/fsync.test.ts). */
  wrapper?: string[];
  onSpawn?: StartOptions['onSpawn'];
}

/** redis-server on 127.0.0.1 with append-only persistence, its files under `dataDir`: every write is
 * fsynced before Redis answers it (REDIS_DURABILITY=fsync, the local default, relies on it). Only
 * a stack that says REDIS_DURABILITY=none, which relies on nothing, gets the cheaper fsync once a
 * second (`npm run bench -- --durability none` measures what the fsync of each write costs). */
export async function startRedis(options: RedisOptions): Promise<ManagedProcess> {
  await ensureRedisServer();
  if (!(await isPortFree(options.port))) {
    throw new Error(portInUseMessage(options.port, 'set REDIS_PORT to a free port, or REDIS_URL to use that Redis'));
  }
  mkdirSync(options.dataDir, { recursive: true });
  const [command, ...wrapperArgs] = [...(options.wrapper ?? []), 'redis-server'];
  const redis = startProcess(
    'redis',
    command,
    [
      ...wrapperArgs,
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      process.env.REDIS_DURABILITY?.trim() === 'none' ? 'everysec' : 'always',
      '--save',
      '',
      '--daemonize',
      'no',
      ...(options.extraArgs ?? []),
    ],
    { logFile: options.logFile, onSpawn: options.onSpawn },
  );
  await waitUntil(`redis-server on port ${options.port}`, () => ping(options.port), 15_000, redis);
  return redis;
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // a refused connection is the answer "not yet", not a crash
  try {
    await client.connect();
    // Still loading the append-only file answers LOADING: not ready yet.
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

export const redisDataDir = (dataRoot: string) => join(dataRoot, 'redis');
