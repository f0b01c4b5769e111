import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { portInUseMessage } from './leftovers';
import { isPortFree, startProcess, waitUntil, type ManagedProcess, type StartOptions } from './processes';

export const REDIS_MISSING_HELP = [
  'redis-server was not found on PATH. Install it, or point REDIS_URL at a Redis you already run:',
  '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
  '  macOS:          brew install redis',
  '  existing Redis: REDIS_URL=redis://host:6379 npm start',
].join('\n');

export function redisServerAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisOptions {
  port: number;
  dataDir: string;
  logFile: string;
  extraArgs?: string[];
  onSpawn?: StartOptions['onSpawn'];
}

/** redis-server on 127.0.0.1 with append-only persistence, its files under `dataDir`. */
export async function startRedis(options: RedisOptions): Promise<ManagedProcess> {
  if (!redisServerAvailable()) throw new Error(REDIS_MISSING_HELP);
  if (!(await isPortFree(options.port))) {
    throw new Error(portInUseMessage(options.port, 'set REDIS_PORT to a free port, or REDIS_URL to use that Redis'));
  }
  mkdirSync(options.dataDir, { recursive: true });
  const redis = startProcess(
    'redis',
    'redis-server',
    [
      '--port', String(options.port),
      '--bind', '127.0.0.1',
      '--dir', options.dataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      ...(options.extraArgs ?? []),
    ],
    { logFile: options.logFile, onSpawn: options.onSpawn },
  );
  await waitUntil(`redis-server on port ${options.port}`, () => ping(options.port), 15_000, redis);
  return redis;
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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
