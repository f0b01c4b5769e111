// The check `serverless offline start` makes before it serves: every Redis and SQS endpoint the
// functions will use answers, or the start stops with one line that says which does not.
import Redis from 'ioredis';
import { readConfig } from '../../lib/clients/config';
import { parseRedisUrl } from '../../lib/clients/redis-url';
import { redactUrl } from '../../lib/clients/secrets';

/** Any answer within 3 s; else why not. */
async function redisAnswers(url: string): Promise<string | undefined> {
  const endpoint = parseRedisUrl(url);
  // Of a redis-sentinel:// URL, the first sentinel; the credentials are the servers', not its own.
  const credentials = endpoint.sentinelMaster ? {} : { username: endpoint.username, password: endpoint.password };
  const client = new Redis({
    ...endpoint.seeds[0],
    tls: endpoint.tls ? {} : undefined,
    ...credentials,
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The connection's own error says why (ECONNREFUSED...); connect() then rejects with only
  // "Connection is closed".
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (cause ?? (error as Error)).message;
  } finally {
    client.disconnect();
  }
}

async function sqsAnswers(endpoint: string): Promise<string | undefined> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(3_000) });
    return undefined;
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

/**
 * The one line that says which dependency of the functions cannot be reached, checked once at
 * start-up, or undefined when every one answers. `env` is what the functions will see.
 */
export async function unreachable(env: NodeJS.ProcessEnv, check = { redis: true, sqs: true }): Promise<string | undefined> {
  if (check.redis) {
    const problem = await unreachableRedis(env);
    if (problem) return problem;
  }
  if (!check.sqs) return undefined;
  const endpoint = env.SQS_ENDPOINT?.trim();
  if (!endpoint) return 'SQS_ENDPOINT is not set, so no saga step would run';
  const why = await sqsAnswers(endpoint);
  if (why) return `the SQS endpoint ${endpoint} cannot be reached (${why}): start it, or leave SQS_ENDPOINT unset and one is started`;
  return undefined;
}

async function unreachableRedis(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let urls: string[];
  try {
    urls = [...new Set(Object.values(readConfig(env).redisUrls))];
  } catch (error) {
    return `the functions' configuration is invalid: ${(error as Error).message}`;
  }
  for (const url of urls) {
    const why = await redisAnswers(url);
    if (why) return `Redis at ${redactUrl(url)} cannot be reached (${why}): start it, or leave REDIS_URL unset and one is started`;
  }
  return undefined;
}
