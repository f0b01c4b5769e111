import { rmSync } from 'node:fs';
import { testServers } from './servers';

export default async function globalTeardown(): Promise<void> {
  await Promise.all([testServers.sqs?.stop(), testServers.redis?.stop()]);
  if (process.env.TEST_TMP_DIR) rmSync(process.env.TEST_TMP_DIR, { recursive: true, force: true });
}
