import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/free-port';
import { type ManagedProcess } from '../../scripts/stack/processes';
import { startRedis } from '../../scripts/stack/redis';
import { checkoutSuite } from '../support/checkout-suite';
import { useStartedStack } from '../support/started-stack';

// Three Redis servers, one per service: every script's keys must live in its own service's Redis.
const servers: ManagedProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sagashop-redis-per-service-'));
const { post, get } = useStartedStack({
  before: async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const service of ['STOCK', 'PAYMENT', 'ORDER']) {
      const port = await freePort();
      servers.push(await startRedis({ port, dataDir: join(dir, service), logFile: join(dir, `${service}.log`) }));
      env[`${service}_REDIS_URL`] = `redis://127.0.0.1:${port}`;
    }
    return env;
  },
  after: async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  },
});
checkoutSuite(post, get);
