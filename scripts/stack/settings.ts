import { resolve } from 'node:path';
import { LOCAL_REDIS_PORT } from '../../lib/clients/config';

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port number (got ${raw})`);
  return value;
}

const set = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);

/** Two parts told to listen on one port: the second would find the first there and blame a stranger. */
function refuseSharedPorts(used: readonly (readonly [string, number])[]): void {
  const byPort = new Map<number, string[]>();
  for (const [name, value] of used) byPort.set(value, [...(byPort.get(value) ?? []), name]);
  for (const [value, names] of byPort) {
    if (names.length > 1)
      throw new Error(
        `${names.join(' and ')} are ${names.length === 2 ? 'both' : 'all'} ${value}: each part of the stack needs a port of its own`,
      );
  }
}

/** What the launcher starts and where, from the environment; every port can be moved. */
export function stackSettings(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  // Every service has a Redis of its own to use: then none is started here.
  const externalRedis =
    Boolean(set(env.REDIS_URL)) || ['STOCK_REDIS_URL', 'PAYMENT_REDIS_URL', 'ORDER_REDIS_URL'].every((name) => set(env[name]));
  const externalSqs = set(env.SQS_ENDPOINT);
  const ports = {
    httpPort: port(env, 'HTTP_PORT', 8000),
    lambdaPort: port(env, 'LAMBDA_PORT', 3002),
    redisPort: port(env, 'REDIS_PORT', LOCAL_REDIS_PORT),
    sqsPort: port(env, 'SQS_PORT', 9324),
    opsPort: port(env, 'OPS_PORT', 8001),
  };
  refuseSharedPorts([
    ['HTTP_PORT', ports.httpPort],
    ['LAMBDA_PORT', ports.lambdaPort],
    ['OPS_PORT', ports.opsPort],
    ...(externalRedis ? [] : [['REDIS_PORT', ports.redisPort] as const]),
    ...(externalSqs ? [] : [['SQS_PORT', ports.sqsPort] as const]),
  ]);
  return {
    ...ports,
    dataDir,
    logDir: resolve(dataDir, 'logs'),
    /** A Redis we do not start: REDIS_URL, or every per-service URL, is set. */
    externalRedis,
    externalSqs,
  };
}
export type StackSettings = ReturnType<typeof stackSettings>;
