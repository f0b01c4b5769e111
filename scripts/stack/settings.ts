import { resolve } from 'node:path';
import { LOCAL_REDIS_PORT } from '../../lib/config';

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port number (got ${raw})`);
  return value;
}

const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);

/** What the launcher starts and where, from the environment; every port can be moved. */
export function stackSettings(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  // Every service has a Redis of its own to use: then none is started here.
  const externalRedis = Boolean(set(env.REDIS_URL)) || ['STOCK_REDIS_URL', 'PAYMENT_REDIS_URL', 'ORDER_REDIS_URL'].every((name) => set(env[name]));
  return {
    httpPort: port(env, 'HTTP_PORT', 8000),
    lambdaPort: port(env, 'LAMBDA_PORT', 3002),
    redisPort: port(env, 'REDIS_PORT', LOCAL_REDIS_PORT),
    sqsPort: port(env, 'SQS_PORT', 9324),
    opsPort: port(env, 'OPS_PORT', 8001),
    dataDir,
    logDir: resolve(dataDir, 'logs'),
    /** A Redis we do not start: REDIS_URL, or every per-service URL, is set. */
    externalRedis,
    externalSqs: set(env.SQS_ENDPOINT),
  };
}
export type StackSettings = ReturnType<typeof stackSettings>;
