import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/free-port';
import { ensureRedisServer, startRedis } from '../../scripts/stack/redis';
import { startSqs } from '../../scripts/stack/sqs';
import { testServers } from './servers';

/** One real Redis and one real SQS endpoint for the whole run, on free ports, in a temp dir. */
export default async function globalSetup(): Promise<void> {
  // On a machine without redis-server this installs it (saying so, and how long it took) when it
  // may, or stops the run with the one command to type: its sentence, not a stack trace.
  await ensureRedisServer().catch((error: Error) => {
    error.stack = error.message;
    throw error;
  });
  const dir = mkdtempSync(join(tmpdir(), 'sagashop-test-'));
  const redisPort = await freePort();
  const sqsPort = await freePort();
  testServers.redis = await startRedis({
    port: redisPort,
    dataDir: join(dir, 'redis'),
    logFile: join(dir, 'redis.log'),
  });
  testServers.sqs = await startSqs({ port: sqsPort, logFile: join(dir, 'sqs.log') });
  // Workers inherit this environment; worker-env.ts gives each worker its own database.
  process.env.TEST_REDIS_BASE_URL = `redis://127.0.0.1:${redisPort}`;
  process.env.SQS_ENDPOINT = `http://127.0.0.1:${sqsPort}`;
  process.env.TEST_TMP_DIR = dir;
}
