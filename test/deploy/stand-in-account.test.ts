import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_PARAMS } from '../../deploy/stage-settings';
import { freePort } from '../../scripts/stack/free-port';
import { isListening, startProcess, waitUntil, type ManagedProcess } from '../../scripts/stack/processes';
import { BundleHost } from './support/bundle-host';
import { scheduledEvent } from './support/events';
import { ROOT, functionsOf, ofType, packageStage, paramArgs, runServerless, type Packaged, type Run } from './support/package';
import { STEPS, Shop, type DeployedWiring, type Step } from './support/shop';
import {
  INSTALL_MOTO,
  account,
  deployedAsPackage,
  standInMissing,
  startStandIn,
  type Deployed,
  type Leftovers,
  type Prerequisites,
  type StandIn,
} from './support/stand-in';

// `serverless deploy` of the production stage into a stand-in AWS account (moto_server), then
// the shop run from what that account holds, never from the sources: each function's zip,
// handler, timeout and environment from Lambda's GetFunction, the steps' queues and batch sizes
// from its event source mappings, the replay's schedule from EventBridge, the routes from the
// stack's template (moto keeps API Gateway v2 unmodelled). A real Redis that answers only to the
// token in the account's SSM. Then `serverless remove`, and nothing may be left.
// What this proves and what it cannot: docs/deploy-stand-in.md.

const STAGE = 'standin';
const TOKEN = 'stand-in-redis-token-7d2e51';
const missing = standInMissing();

/** What Lambda's runtime adds to a function's environment; the endpoints stand in for the
 * network, where sqs.us-east-1.amazonaws.com (the queue URLs' host) would reach SQS. */
const lambdaRuntime = (endpoint: string): NodeJS.ProcessEnv => ({
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'standin',
  AWS_SECRET_ACCESS_KEY: 'standin',
  AWS_ENDPOINT_URL: endpoint,
  SQS_ENDPOINT: endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

describe('the production stage deployed to a stand-in AWS account (moto)', () => {
  if (missing) {
    it('needs moto', () => {
      throw new Error(`${missing}. This test deploys to moto, a stand-in AWS account; install it with: ${INSTALL_MOTO}`);
    });
    return;
  }

  const dir = mkdtempSync(join(tmpdir(), 'sagashop-stand-in-'));
  const zips = mkdtempSync(join(dir, 'zips-'));
  const timings: Record<string, number> = {};
  let redis: ManagedProcess;
  let standIn: StandIn;
  let prerequisites: Prerequisites;
  let params: Record<string, string>;
  let packaged: Packaged;
  let deploy: Run;
  let deployed: Deployed;
  let host: BundleHost;
  let sqs: SQSClient;
  const framework = () => ({
    AWS_ENDPOINT_URL: standIn.endpoint,
    AWS_ACCESS_KEY_ID: 'standin',
    AWS_SECRET_ACCESS_KEY: 'standin',
    // The Framework polls the stack every 5 s by default; the stand-in answers at once.
    SLS_AWS_MONITORING_FREQUENCY: '250',
  });

  beforeAll(async () => {
    let started = Date.now();
    const redisPort = await freePort();
    redis = startProcess(
      'redis',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--requirepass', TOKEN, '--save', '', '--appendonly', 'no'],
      {
        logFile: join(dir, 'redis.log'),
      },
    );
    standIn = await startStandIn(join(dir, 'moto.log'));
    await waitUntil(`redis-server on port ${redisPort}`, () => isListening(redisPort), 15_000, redis);
    prerequisites = await account<Prerequisites>(standIn.endpoint, 'prepare', STAGE, TOKEN);
    params = {
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      ...prerequisites,
      // A lone Redis, no replica: the store's durability check would refuse it.
      ...('storeDurability' in AWS_PARAMS ? { storeDurability: 'none' } : {}),
    };
    timings.standInUp = Date.now() - started;
    started = Date.now();
    packaged = await packageStage(STAGE, params);
    timings.package = Date.now() - started;
    deploy = await runServerless(['deploy', '--stage', STAGE, '--package', packaged.dir, ...paramArgs(params)], framework(), 180_000);
    timings.deploy = deploy.ms;
    if (deploy.code !== 0) throw new Error(`serverless deploy failed (${deploy.code}):\n${deploy.output}`);
    started = Date.now();
    deployed = await account<Deployed>(standIn.endpoint, 'deployed', STAGE, zips);
    timings.readBack = Date.now() - started;
    host = new BundleHost(deployedAsPackage(deployed, zips), STAGE, (name, variables) => ({
      ...(variables as Record<string, string>),
      ...lambdaRuntime(standIn.endpoint),
    }));
    sqs = new SQSClient({
      endpoint: standIn.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'standin', secretAccessKey: 'standin' },
    });
  }, 300_000);

  afterAll(async () => {
    await host?.stop();
    sqs?.destroy();
    await Promise.all([redis?.stop('SIGKILL'), standIn?.process.stop()]);
    packaged?.remove();
    rmSync(dir, { recursive: true, force: true });
    // The numbers docs/deploy-stand-in.md quotes.
    process.stdout.write(
      `stand-in account timings (ms): ${JSON.stringify(timings)}; accepted, not modelled: ${JSON.stringify(deployed?.unmodelled)}\n`,
    );
  });

  it('deploys: every packaged function, in the given subnets, its queue mapped with partial batch failures, the replay scheduled', () => {
    expect(deployed.stackStatus).toBe('UPDATE_COMPLETE');
    expect(Object.keys(deployed.functions).sort()).toEqual(
      functionsOf(packaged, STAGE)
        .map(([name]) => name)
        .sort(),
    );
    for (const [name, fn] of Object.entries(deployed.functions)) {
      expect({ name, subnets: fn.VpcConfig.SubnetIds }).toEqual({
        name,
        subnets: prerequisites.subnetIds.split(','),
      });
      expect({ name, groups: fn.VpcConfig.SecurityGroupIds }).toEqual({
        name,
        groups: expect.arrayContaining([prerequisites.securityGroupIds]),
      });
      // The token stays in SSM: the function holds only the parameter's name.
      expect({ name, token: JSON.stringify(fn.Variables).includes(TOKEN) }).toEqual({ name, token: false });
      expect({ name, parameter: fn.Variables.REDIS_AUTH_PARAMETER }).toEqual({
        name,
        parameter: prerequisites.redisAuthParameter,
      });
    }
    expect(deployed.mappings.map((mapping) => mapping.function).sort()).toEqual(Object.values(STEPS).sort());
    for (const mapping of deployed.mappings) {
      expect(mapping).toMatchObject({ state: 'Enabled', responseTypes: ['ReportBatchItemFailures'] });
    }
    expect(deployed.schedules).toEqual([expect.objectContaining({ function: 'replayLog', expression: expect.stringMatching(/^rate\(/) })]);
    expect(Object.keys(deployed.routes).length).toBe(ofType(packaged, 'AWS::ApiGatewayV2::Route').length);
  });

  it('lists in docs/deploy-stand-in.md every resource type the stand-in accepted without modelling', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'deploy-stand-in.md'), 'utf8');
    const undocumented = Object.keys(deployed.unmodelled).filter((type) => !doc.includes(`\`${type}\``));
    expect(undocumented).toEqual([]);
  });

  it('pays one checkout and refuses another through the deployed functions, queues and SSM alone', async () => {
    const versions = new Set(Object.values(deployed.routes).map((route) => route.payloadVersion));
    expect([...versions]).toEqual(['2.0']);
    const stepOf = Object.fromEntries(Object.entries(STEPS).map(([step, fn]) => [fn, step as Step]));
    const queues = {} as Record<Step, string>;
    const wiring: DeployedWiring = { routes: {}, sources: {} as DeployedWiring['sources'] };
    for (const mapping of deployed.mappings) {
      queues[stepOf[mapping.function]] = mapping.queueUrl;
      wiring.sources[stepOf[mapping.function]] = { queueArn: mapping.queueArn, batchSize: mapping.batchSize };
    }
    for (const [name, route] of Object.entries(deployed.routes)) wiring.routes[name] = route.routeKey;
    const shop = new Shop(host, '2.0', STAGE, sqs, queues, wiring);

    const { user_id } = (await shop.call('createUser')).body;
    expect((await shop.call('addFunds', { user_id, amount: '50' })).body).toEqual({ user_id, credit: 50 });
    const { item_id } = (await shop.call('createItem', { price: '20' })).body;
    expect((await shop.call('addStock', { item_id, amount: '5' })).body).toEqual({ item_id, stock: 5 });
    const { order_id } = (await shop.call('createOrder', { user_id })).body;
    expect((await shop.call('addItem', { order_id, item_id, quantity: '2' })).body).toEqual({
      order_id,
      total_cost: 40,
    });

    expect(await shop.checkout(order_id)).toEqual({
      status: 200,
      body: { order_id, paid: true },
      contentType: 'application/json',
    });
    expect((await shop.call('findUser', { user_id })).body).toEqual({ user_id, credit: 10 });
    expect((await shop.call('findItem', { item_id })).body).toEqual({ item_id, stock: 3, price: 20 });

    // 1 × 20 > 10 credit: the stock is taken, the charge refused, release-stock gives it back.
    const { order_id: tooDear } = (await shop.call('createOrder', { user_id })).body;
    await shop.call('addItem', { order_id: tooDear, item_id, quantity: '1' });
    const refused = await shop.checkout(tooDear);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/credit/);
    expect((await shop.call('findItem', { item_id })).body.stock).toBe(3);
    expect((await shop.call('findOrder', { order_id: tooDear })).body).toMatchObject({ paid: false });

    const [replay] = deployed.schedules;
    expect(await host.invoke(replay.function, scheduledEvent(replay.ruleArn))).toEqual(expect.any(Object));
    for (const name of Object.values(STEPS)) expect({ name, ran: (shop.invocations[name] ?? 0) > 0 }).toEqual({ name, ran: true });
    expect(host.logs()).not.toContain(TOKEN);
  }, 90_000);

  it('serverless remove leaves nothing behind but the dead-letter queues the template retains', async () => {
    const started = Date.now();
    const remove = await runServerless(['remove', '--stage', STAGE, ...paramArgs(params)], framework(), 120_000);
    timings.remove = Date.now() - started;
    expect({ code: remove.code, output: remove.code === 0 ? '' : remove.output }).toEqual({
      code: 0,
      output: '',
    });
    const retained = ofType(packaged, 'AWS::SQS::Queue')
      .filter(([, queue]) => (queue as { DeletionPolicy?: string }).DeletionPolicy === 'Retain')
      .map(([, queue]) => queue.Properties.QueueName as string);
    expect(retained.every((name) => name.endsWith('-dlq'))).toBe(true);
    const left = await account<Leftovers>(standIn.endpoint, 'leftovers', STAGE);
    expect(left).toEqual({
      stack: null,
      functions: [],
      queues: expect.any(Array),
      mappings: [],
      rules: [],
      roles: [],
      vpcEndpoints: expect.any(Array),
    });
    expect(left.queues.sort()).toEqual(retained.sort());
    // moto 5.2 deletes no VPC endpoint with its stack (its model has no delete handler); real
    // CloudFormation does. None but the stack's own may be there.
    expect(deployed.vpcEndpoints.length).toBe(ofType(packaged, 'AWS::EC2::VPCEndpoint').length);
    expect(left.vpcEndpoints.filter((id) => !deployed.vpcEndpoints.includes(id))).toEqual([]);
  }, 150_000);
});
