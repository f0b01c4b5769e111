import { SQSClient } from '@aws-sdk/client-sqs';
import { builtinModules } from 'node:module';
import { BundleHost } from './support/bundle-host';
import { httpEvent, scheduledEvent } from './support/events';
import { startFakeSsm } from './support/fake-ssm';
import { LOCAL_SHELL, PROD_PARAMS, packageStage, sharedPackage, type Packaged } from './support/package';
import { Shop, createStepQueues, withQueueUrls, type Step } from './support/shop';
import { startTokenRedisWithReplica, type TokenRedis } from './support/token-redis';

// The packaged functions themselves (the zips `serverless package` writes, not the sources), each
// loaded by a plain node outside the repository and driven with AWS-shaped events against a real
// Redis and a real SQS endpoint: a checkout must complete through the bundles alone. This is what
// only packaging can break: a missing Lua file, a dependency left out, an import of the tree.

const TOKEN = 'bundle-test-redis-token-4f1c9a';
const sqs = new SQSClient({
  endpoint: process.env.SQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
  AWS_SECRET_ACCESS_KEY: 'bundle-test',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
let prod: Packaged;
let localstack: Packaged;
let local: Packaged;

beforeAll(async () => {
  // One after the other: three esbuild runs at once would take the machine's two cores from the
  // other test files for longer than they take in turn.
  prod = await sharedPackage('prod', PROD_PARAMS, LOCAL_SHELL);
  localstack = await sharedPackage('localstack', {}, LOCAL_SHELL);
  local = await packageStage('local', {}, { SQS_ENDPOINT: 'http://127.0.0.1:9324' });
}, 240_000);
afterAll(() => {
  for (const packaged of [prod, localstack, local]) packaged?.remove();
  sqs.destroy();
});

/** The modules a bundle loads with a literal require(): besides Node's own, none may be left. */
function requiredModules(code: string): string[] {
  const names = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]);
  // The AWS SDK names these two only in error messages telling users what to install for SigV4a.
  return [...new Set(names)].filter(
    (name) => !builtinModules.includes(name.replace(/^node:/, '')) && !/^@aws-sdk\/signature-v4(-crt|a)$/.test(name),
  );
}

describe('the deployed bundles', () => {
  it.each([
    ['prod', () => prod],
    ['localstack', () => localstack],
  ])(
    '%s: each zip holds its handler alone, self-contained, with the Lua inlined and no fault injection or local default',
    (stage, packaged) => {
      const host = new BundleHost(packaged(), stage, () => ({}));
      try {
        for (const name of host.names()) {
          const files = host.unpack(name);
          expect({ name, files: [...files.keys()].length }).toEqual({ name, files: 1 });
          const code = [...files.values()][0];
          expect({ name, missing: requiredModules(code) }).toEqual({ name, missing: [] });
          expect({ name, faults: /SAGASHOP_CRASH|fault injection|SIGKILL/.test(code) }).toEqual({
            name,
            faults: false,
          });
          expect({ name, localRedis: code.includes('127.0.0.1:6390') }).toEqual({ name, localRedis: false });
        }
        const reserve = [...host.unpack('reserveStock').values()][0];
        expect(reserve).toContain("redis.call('");
        // The shared Lua is included by the esbuild plugin, not left as a directive.
        expect(reserve).toContain('local function clock_ms()');
        expect(reserve).not.toMatch(/^-- #include/m);
      } finally {
        void host.stop();
      }
    },
  );

  it('local: the bundles keep the fault injection that npm run chaos needs', () => {
    const host = new BundleHost(local, 'local', () => ({}));
    try {
      for (const name of ['checkout', 'reserveStock', 'chargePayment', 'replayLog']) {
        expect({
          name,
          faults: [...host.unpack(name).values()][0].includes('fault injection: crashing at'),
        }).toEqual({ name, faults: true });
      }
    } finally {
      void host.stop();
    }
  });
});

/** Every HTTP function answers through its route's event; a checkout is paid, one is refused. */
async function shopThroughBundles(shop: Shop, { batchInit }: { batchInit: boolean }): Promise<void> {
  const { user_id } = (await shop.call('createUser')).body;
  expect((await shop.call('addFunds', { user_id, amount: '100' })).body).toEqual({ user_id, credit: 100 });
  expect((await shop.call('pay', { user_id, amount: '10' })).body).toEqual({ user_id, credit: 90 });
  const { item_id } = (await shop.call('createItem', { price: '20' })).body;
  expect((await shop.call('addStock', { item_id, amount: '6' })).body).toEqual({ item_id, stock: 6 });
  expect((await shop.call('subtractStock', { item_id, amount: '1' })).body).toEqual({ item_id, stock: 5 });
  const { order_id } = (await shop.call('createOrder', { user_id })).body;
  expect((await shop.call('addItem', { order_id, item_id, quantity: '2' })).body).toEqual({
    order_id,
    total_cost: 40,
  });

  const paid = await shop.checkout(order_id);
  expect(paid).toEqual({ status: 200, body: { order_id, paid: true }, contentType: 'application/json' });
  expect((await shop.call('findOrder', { order_id })).body).toMatchObject({
    order_id,
    paid: true,
    total_cost: 40,
  });
  expect((await shop.call('findUser', { user_id })).body).toEqual({ user_id, credit: 50 });
  expect((await shop.call('findItem', { item_id })).body).toEqual({ item_id, stock: 3, price: 20 });

  // 3 × 20 > 50 credit: the stock is taken, the charge refused, release-stock gives it back.
  const { order_id: tooDear } = (await shop.call('createOrder', { user_id })).body;
  await shop.call('addItem', { order_id: tooDear, item_id, quantity: '3' });
  const refused = await shop.checkout(tooDear);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatch(/credit/);
  expect((await shop.call('findItem', { item_id })).body.stock).toBe(3);

  expect((await shop.call('findItem', { item_id: 'x-unknown' })).status).toBe(404);
  expect((await shop.call('createId')).body.id).toEqual(expect.any(String));
  // Deployed only where their routes are on (not on AWS by default).
  expect(shop.host.names().includes('batchInitItems')).toBe(batchInit);
  if (batchInit) {
    expect((await shop.call('batchInitItems', { n: '3', starting_stock: '5', item_price: '1' })).body).toEqual({
      msg: 'Batch init for stock successful',
    });
    expect((await shop.call('batchInitUsers', { n: '3', starting_money: '5' })).body).toEqual({
      msg: 'Batch init for users successful',
    });
    expect((await shop.call('batchInitOrders', { n: '3', n_items: '3', n_users: '3', item_price: '1' })).body).toEqual({
      msg: 'Batch init for orders successful',
    });
  }

  const report = await shop.host.invoke('replayLog', scheduledEvent('arn:aws:events:us-east-1:123456789012:rule/replay'));
  expect(report).toEqual(expect.any(Object));
  for (const name of ['reserveStock', 'chargePayment', 'completeOrder', 'releaseStock'])
    expect({ name, ran: (shop.invocations[name] ?? 0) > 0 }).toEqual({ name, ran: true });
}

describe('a checkout through the production bundles (HTTP API events, token from SSM)', () => {
  let redis: TokenRedis;
  let ssm: Awaited<ReturnType<typeof startFakeSsm>>;
  let host: BundleHost;
  let queues: Record<Step, string>;

  beforeAll(async () => {
    redis = await startTokenRedisWithReplica(TOKEN);
    ssm = await startFakeSsm({ '/sagashop/prod/redis-auth': TOKEN });
    queues = await createStepQueues(sqs, `sagashop-bundles-prod-${process.pid}`);
    host = new BundleHost(prod, 'prod', (name, variables) => ({
      ...withQueueUrls(variables, queues),
      // The one change to the template's environment: this machine's Redis instead of the cache
      // (same shape: no credentials in the URL).
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      AWS_ENDPOINT_URL_SSM: ssm.url,
      ...AWS_ENV,
    }));
  }, 30_000);
  afterAll(async () => {
    await host?.stop();
    await ssm?.close();
    redis?.stop();
  });

  it('completes, each container reading the token from SSM once, no log line showing it', async () => {
    await shopThroughBundles(new Shop(host, '2.0', 'prod', sqs, queues), { batchInit: false });
    // The operator's API (behind IAM authorization on AWS; signed requests: operator.test.ts).
    const overview = await host.invoke('operator', {
      ...httpEvent('2.0', 'GET /ops/overview', {}, 'prod'),
      rawPath: '/ops/overview',
    });
    expect(overview.statusCode).toBe(200);
    const askedBy = ssm.requests.map((request) => request.body);
    expect(askedBy.length).toBe(host.names().length);
    for (const request of ssm.requests) {
      expect(request).toMatchObject({
        target: 'AmazonSSM.GetParameter',
        body: { Name: '/sagashop/prod/redis-auth', WithDecryption: true },
      });
      expect(request.authorization).toContain('/us-east-1/ssm/aws4_request');
    }
    expect(host.logs()).not.toContain(TOKEN);
  }, 120_000);

  it('answers a JSON 500 and logs the refusal, never the token, when SSM holds a wrong one', async () => {
    const wrong = await startFakeSsm({ '/sagashop/prod/redis-auth': 'a-rotated-token-nobody-told-redis' });
    const stale = new BundleHost(prod, 'prod', (name, variables) => ({
      ...withQueueUrls(variables, queues),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      AWS_ENDPOINT_URL_SSM: wrong.url,
      ...AWS_ENV,
    }));
    try {
      const answer = await new Shop(stale, '2.0', 'prod', sqs, queues).call('createUser');
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: 'The service could not handle this request; please try again.' });
      expect(stale.logs()).toMatch(/WRONGPASS/);
      expect(stale.logs()).not.toContain('a-rotated-token-nobody-told-redis');
    } finally {
      await stale.stop();
      await wrong.close();
    }
  }, 60_000);
});

describe('a checkout through the LocalStack bundles (REST API events)', () => {
  it('completes', async () => {
    const queues = await createStepQueues(sqs, `sagashop-bundles-localstack-${process.pid}`);
    // The compose network's redis:6379 is this machine's test Redis here.
    const host = new BundleHost(localstack, 'localstack', (name, variables) => ({
      ...withQueueUrls(variables, queues),
      REDIS_URL: process.env.REDIS_URL,
      ...AWS_ENV,
    }));
    try {
      await shopThroughBundles(new Shop(host, '1.0', 'localstack', sqs, queues), { batchInit: true });
    } finally {
      await host.stop();
    }
  }, 120_000);
});
