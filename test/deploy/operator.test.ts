import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SAGA, deadLetterQueueNameOf, queueNameOf, stepNamesOf } from '@lib/saga/definition';
import { dashboardWidgets } from '../../deploy/dashboard';
import { stageOf } from '../../functions/http/ops/operator';
import { RemoteOperator } from '../../scripts/operator/remote';
import { signedFetch } from '../../scripts/operator/sigv4';
import { startOperatorServer } from '../../scripts/operator/server';
import { BundleHost } from './support/bundle-host';
import { startFakeSsm } from './support/fake-ssm';
import { ROOT, logicalIdOf, ofType, productionPackage, roleStatements } from './support/package';
import { Shop, createStepQueues, withQueueUrls, type Step } from './support/shop';
import { startTokenRedisWithReplica, type TokenRedis } from './support/token-redis';
import { startIamGateway } from './support/sigv4-gateway';

// The operator's API on AWS (deploy/operator.ts): its route requires AWS IAM authorization in the
// packaged template, and the packaged `operator` function answers requests the operator's tools
// sign (scripts/operator/remote.ts) behind a stand-in of that authorization
// (support/sigv4-gateway.ts: what it proves, and what it does not, is written there).

const prod = productionPackage();
const resources = () => prod().template.Resources;
const TOKEN = 'operator-test-redis-token-9d2e';
const REGION = 'us-east-1';
const OPERATOR_KEY = { accessKeyId: 'AKIDOPERATORTEST', secretAccessKey: 'operator-secret-key' };
const AWS_ENV = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
  AWS_SECRET_ACCESS_KEY: 'bundle-test',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** One of the project's commands as a user runs it (node with tsx), with only `env` from the shell. */
function runCommand(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the operator route and the dashboard in the production template', () => {
  it('routes ANY /ops/{proxy+} to the operator function with AWS_IAM authorization, and no other route', () => {
    const routes = ofType(prod(), 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    const operator = routes.filter((route) => route.RouteKey === 'ANY /ops/{proxy+}');
    expect(operator).toHaveLength(1);
    expect(operator[0].AuthorizationType).toBe('AWS_IAM');
    const integration = resources()[operator[0].Target['Fn::Join'][1][1].Ref];
    expect(logicalIdOf(integration.Properties.IntegrationUri)).toBe('OperatorLambdaFunction');
    // The shop's own routes stay public (the contract); only the operator's needs a signature.
    for (const route of routes.filter((candidate) => candidate !== operator[0]))
      expect({ route: route.RouteKey, auth: route.AuthorizationType }).toEqual({
        route: route.RouteKey,
        auth: undefined,
      });
  });

  it("lets the operator function read every queue, send to the steps' queues and empty only the dead-letter queues", () => {
    const statements = roleStatements(prod(), resources().OperatorLambdaFunction).filter((statement: any) =>
      [statement.Action].flat().some((action: string) => action.startsWith('sqs:')),
    );
    const grants = statements.flatMap((statement: any) =>
      [statement.Action]
        .flat()
        .flatMap((action: string) => [statement.Resource].flat().map((resource: any) => `${action} ${logicalIdOf(resource)}`)),
    );
    const steps = stepNamesOf(SAGA).map((step) => step.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase()));
    expect(grants.sort()).toEqual(
      steps
        .flatMap((step) => [
          `sqs:GetQueueAttributes ${step}Queue`,
          `sqs:SendMessage ${step}Queue`,
          ...['DeleteMessage', 'GetQueueAttributes', 'GetQueueUrl', 'ReceiveMessage'].map((action) => `sqs:${action} ${step}Dlq`),
        ])
        .sort(),
    );
  });

  it('has a dashboard with a widget set per step and per queue of the declaration, and the overview', () => {
    const [[, dashboard]] = ofType(prod(), 'AWS::CloudWatch::Dashboard');
    const titles = JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub'])
      .widgets.map((widget: any) => widget.properties.title)
      .filter(Boolean);
    for (const step of stepNamesOf(SAGA)) {
      expect(titles).toEqual(
        expect.arrayContaining([
          `Step ${step}: outcomes per minute`,
          `Step ${step}: latency p50 / p99 (ms)`,
          `Step ${step}: throttles, errors, concurrency`,
        ]),
      );
      const queue = queueNameOf(SAGA, 'prod', step);
      expect(titles).toEqual(
        expect.arrayContaining([
          `Queue ${queue}: depth`,
          `Queue ${queue}: oldest message age (s)`,
          `Queue ${deadLetterQueueNameOf(SAGA, 'prod', step)}: dead letters`,
        ]),
      );
    }
    expect(titles).toEqual(
      expect.arrayContaining([
        'Checkouts by verdict per minute',
        'Checkout latency p50 / p99 (ms), by verdict',
        'Throttles, every function of the stage',
        'Replay actions',
      ]),
    );
    // Exactly what the generator makes of the declaration: nothing else, nothing left out.
    expect(titles).toEqual(
      dashboardWidgets({ saga: SAGA, stage: 'prod' })
        .map((widget) => widget.properties.title)
        .filter(Boolean),
    );
    expect(dashboard.Properties.DashboardBody['Fn::Sub']).toContain('"ApiId","${HttpApi}"');
  });
});

describe('signed requests through an IAM-authorizing stand-in to the packaged operator function', () => {
  const sqs = new SQSClient({
    endpoint: process.env.SQS_ENDPOINT,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let redis: TokenRedis;
  let ssm: Awaited<ReturnType<typeof startFakeSsm>>;
  let host: BundleHost;
  let gateway: Awaited<ReturnType<typeof startIamGateway>>;
  let queues: Record<Step, string>;
  let shop: Shop;
  let remote: RemoteOperator;

  beforeAll(async () => {
    redis = await startTokenRedisWithReplica(TOKEN);
    ssm = await startFakeSsm({ '/sagashop/prod/redis-auth': TOKEN });
    queues = await createStepQueues(sqs, `sagashop-operator-prod-${process.pid}`);
    host = new BundleHost(prod(), 'prod', (name, variables) => ({
      ...withQueueUrls(variables, queues),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      AWS_ENDPOINT_URL_SSM: ssm.url,
      ...AWS_ENV,
    }));
    gateway = await startIamGateway(host, REGION, {
      [OPERATOR_KEY.accessKeyId]: OPERATOR_KEY.secretAccessKey,
    });
    shop = new Shop(host, '2.0', 'prod', sqs, queues);
    remote = new RemoteOperator({ api: new URL(gateway.url), region: REGION }, OPERATOR_KEY);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await host?.stop();
    await ssm?.close();
    redis?.stop();
    sqs.destroy();
  });

  it("answers the signed overview, a paid saga's history and the check", async () => {
    const { user_id } = (await shop.call('createUser')).body;
    await shop.call('addFunds', { user_id, amount: '100' });
    const { item_id } = (await shop.call('createItem', { price: '20' })).body;
    await shop.call('addStock', { item_id, amount: '5' });
    const { order_id } = (await shop.call('createOrder', { user_id })).body;
    await shop.call('addItem', { order_id, item_id, quantity: '2' });
    expect((await shop.checkout(order_id)).body).toEqual({ order_id, paid: true });

    const overview = await remote.overview();
    // The stage comes from the deployed function's name (sagashop-prod-operator), which the host does not give.
    expect(stageOf('sagashop-prod-operator')).toBe('prod');
    expect(overview.metrics.totals).toMatchObject({ begun: 1, finished: 1, paid: 1 });
    expect(overview.queues.map((queue) => queue.step)).toEqual(stepNamesOf(SAGA));
    const { sagas } = await remote.saga(order_id);
    expect(sagas).toHaveLength(1);
    expect(sagas[0].text).toContain(order_id);
    expect(sagas[0].standing).toMatch(/paid/);
    expect(await remote.check()).toMatchObject({ ok: true, violationCount: 0 });
    expect((await remote.replay(0)).ran).toBe(true);
    expect(gateway.calls.filter((call) => call.status === 200)).toHaveLength(4);
  }, 120_000);

  it('refuses an unsigned request, a tampered one and an unknown key before the function runs', async () => {
    const before = gateway.calls.length;
    const invoked = () => gateway.calls.filter((call) => call.status !== 403).length;
    const invokedBefore = invoked();
    expect((await fetch(`${gateway.url}/ops/check`)).status).toBe(403);
    // Signed for one saga, sent for another: the query is part of what is signed.
    const signedUrl = new URL(`${gateway.url}/ops/saga?id=abc`);
    const { signerFor } = await import('../../scripts/operator/sigv4');
    const signed = await signerFor('execute-api', REGION, OPERATOR_KEY).sign({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(signedUrl.port),
      path: '/ops/saga',
      query: { id: 'abc' },
      headers: { host: signedUrl.host },
    });
    const headers = { ...signed.headers } as Record<string, string>;
    delete headers.host;
    expect((await fetch(signedUrl, { headers })).status).toBe(200);
    expect((await fetch(`${gateway.url}/ops/saga?id=abd`, { headers })).status).toBe(403);
    expect((await fetch(`${gateway.url}/ops/check`, { headers })).status).toBe(403);
    // A POST whose signed body was changed on the way.
    const post = await signerFor('execute-api', REGION, OPERATOR_KEY).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(signedUrl.port),
      path: '/ops/replay',
      query: {},
      headers: { host: signedUrl.host, 'content-type': 'application/json' },
      body: '{}',
    });
    const postHeaders = { ...post.headers } as Record<string, string>;
    delete postHeaders.host;
    expect((await fetch(`${gateway.url}/ops/replay`, { method: 'POST', headers: postHeaders, body: '{"x":1}' })).status).toBe(403);
    const stranger = await signedFetch(new URL(`${gateway.url}/ops/check`), {
      service: 'execute-api',
      region: REGION,
      credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: OPERATOR_KEY.secretAccessKey },
    });
    expect(stranger.status).toBe(403);
    const wrongSecret = await signedFetch(new URL(`${gateway.url}/ops/check`), {
      service: 'execute-api',
      region: REGION,
      credentials: { ...OPERATOR_KEY, secretAccessKey: 'guessed' },
    });
    expect(wrongSecret.status).toBe(403);
    expect(gateway.calls.slice(before).map((call) => call.refusal ?? call.status)).toEqual([
      'no SigV4 Authorization header',
      200,
      'the signature does not match the request',
      'the signature does not match the request',
      'the body does not match its signed hash',
      'unknown access key AKIDSTRANGER',
      'the signature does not match the request',
    ]);
    expect(invoked() - invokedBefore).toBe(1);
  }, 60_000);

  it('answers a bad request with a clear 4xx from the function itself', async () => {
    expect(await remote.request('GET', 'saga', new URLSearchParams({ id: 'not an id!' }))).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/order id or a saga id/) },
    });
    expect(await remote.request('POST', 'redrive', new URLSearchParams({ step: 'ship-it' }))).toEqual({
      status: 400,
      body: { error: 'unknown step "ship-it"' },
    });
    expect((await remote.request('GET', 'nothing-here')).status).toBe(404);
  }, 60_000);

  it("moves a dead letter back to its step's queue when asked, signed", async () => {
    const { QueueUrl: dlq } = await sqs.send(new CreateQueueCommand({ QueueName: `${queues['charge-payment'].split('/').pop()}-dlq` }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"sagaId":"dead-letter-test"}' }));
    expect(await remote.redrive('charge-payment')).toEqual({ step: 'charge-payment', moved: 1, failed: 0 });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues['charge-payment'],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(Messages.map((message) => message.Body)).toEqual(['{"sagaId":"dead-letter-test"}']);
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: queues['charge-payment'],
        ReceiptHandle: Messages[0].ReceiptHandle,
      }),
    );
    expect((await remote.overview()).queues.find((queue) => queue.step === 'charge-payment')!.dlq.visible).toBe(0);
  }, 60_000);

  it('npm run check and npm run saga with --api sign with the credentials of the default chain', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: OPERATOR_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: OPERATOR_KEY.secretAccessKey,
      AWS_REGION: REGION,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    };
    const check = await runCommand(
      ['--require', './scripts/lua-require.cjs', '--import', 'tsx', join(ROOT, 'scripts/check.ts'), '--api', gateway.url],
      env,
    );
    expect(check.output).toContain('log audit: OK');
    expect(check.code).toBe(0);
    const saga = await runCommand(
      ['--require', './scripts/lua-require.cjs', '--import', 'tsx', join(ROOT, 'scripts/saga.ts'), '--api', gateway.url, 'no-such-order'],
      env,
    );
    expect(saga).toMatchObject({ code: 1, output: expect.stringContaining('no saga of no-such-order') });
    const refused = await runCommand(
      ['--require', './scripts/lua-require.cjs', '--import', 'tsx', join(ROOT, 'scripts/check.ts'), '--api', gateway.url],
      { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' },
    );
    expect(refused).toMatchObject({
      code: 2,
      output: expect.stringContaining('refused the signed request (403)'),
    });
  }, 120_000);

  it("the page's server with a remote API passes its requests on, signed", async () => {
    const page = await startOperatorServer(0, '127.0.0.1', remote);
    try {
      const overview = await fetch(`${page.url}/api/overview`);
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { queues: unknown[] }).queues).toHaveLength(stepNamesOf(SAGA).length);
      expect((await fetch(`${page.url}/api/replay`, { method: 'POST' })).status).toBe(415);
      expect(gateway.calls.at(-1)).toMatchObject({ path: '/ops/overview', status: 200 });
    } finally {
      page.server.closeAllConnections();
      await page.close();
    }
  }, 60_000);
});
