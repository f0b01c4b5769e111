import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster, type RedisCluster } from '../../scripts/stack/redis-cluster';
import { checkoutSuite } from '../support/checkout-suite';
import { useStartedStack } from '../support/started-stack';

// A real Redis Cluster of three masters: a script whose keys crossed slots would fail with CROSSSLOT.
let cluster: RedisCluster | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sagashop-redis-cluster-'));
const { post, get } = useStartedStack({
  before: async () => {
    cluster = await startRedisCluster(dir);
    return { REDIS_URL: cluster.url };
  },
  after: async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  },
});
checkoutSuite(post, get);
