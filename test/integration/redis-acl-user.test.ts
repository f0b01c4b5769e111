// MemoryDB authenticates an ACL user (the user in the URL, its password from SSM), and sagashop's
// storeDurability=memorydb adds nothing per write: a real Redis with an ACL user stands in for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeRedisClients, redisFor } from '@lib/clients/redis';
import { redisAuth } from '@lib/clients/redis-auth';
import { createItem, findItem } from '@lib/store/stock-store';
import { stageSettings } from '../../deploy/stage-settings';
import { freePort } from '../../scripts/stack/free-port';
import { PROD_PARAMS } from '../deploy/support/package';
import { startFakeSsm } from '../deploy/support/fake-ssm';
import { configureTest } from '../support/config';

const PASSWORD = 'acl-user-password-5f1c';
let redis: ChildProcess;
let ssm: Awaited<ReturnType<typeof startFakeSsm>>;
let port: number;

beforeAll(async () => {
  port = await freePort();
  // The default user is off: only the ACL user with its password gets in.
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--user',
      'default',
      'off',
      '--user',
      'sagashop',
      'on',
      `>${PASSWORD}`,
      '~*',
      '&*',
      '+@all',
    ],
    { stdio: 'ignore' },
  );
  ssm = await startFakeSsm({ '/sagashop/prod/redis-acl': PASSWORD });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
  });
  configureTest({
    REDIS_URL: `redis://sagashop@127.0.0.1:${port}`,
    REDIS_AUTH_PARAMETER: '/sagashop/prod/redis-acl',
    REDIS_DURABILITY: 'memorydb',
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
});
afterAll(async () => {
  await closeRedisClients();
  await ssm?.close();
  redis?.kill('SIGKILL');
});

it('packages a MemoryDB stage: an ACL user in the URL, its password only in SSM, durability memorydb', () => {
  const settings = stageSettings({
    stage: 'prod',
    region: 'eu-west-1',
    params: {
      ...PROD_PARAMS,
      redisUrl: 'rediss-cluster://sagashop@clustercfg.shop.abc123.memorydb.eu-west-1.amazonaws.com:6379',
      storeDurability: 'memorydb',
    },
    env: {},
    hostArch: 'x64',
  });
  expect(settings.environment).toMatchObject({
    REDIS_URL: 'rediss-cluster://sagashop@clustercfg.shop.abc123.memorydb.eu-west-1.amazonaws.com:6379',
    REDIS_DURABILITY: 'memorydb',
  });
  expect(JSON.stringify(settings)).not.toContain(PASSWORD);
});

it('connects as the ACL user with the password read from SSM, and writes through a script', async () => {
  await redisAuth.load();
  expect(await redisFor('stock').call('ACL', 'WHOAMI')).toBe('sagashop');
  const itemId = await createItem(7);
  expect(await findItem(itemId)).toMatchObject({ stock: 0, price: 7 });
  expect(ssm.requests.map((request) => request.body.Name)).toEqual(['/sagashop/prod/redis-acl']);
});
