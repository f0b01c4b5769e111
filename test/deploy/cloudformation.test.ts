import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// `serverless package` for a production-like stage (no AWS account needed), then assertions over
// the CloudFormation template it writes: what a deploy to AWS would create.
const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'sagashop-package-'));
const workFolder = `.esbuild-package-${process.pid}`;
const REDIS = 'rediss://:auth-token@master.cache.example.com:6379';
type Resource = { Type: string; Properties: any };
let resources: Record<string, Resource>;

beforeAll(async () => {
  await run(process.execPath, [join(ROOT, 'node_modules/serverless/bin/serverless.js'), 'package', '--stage', 'prod', '--package', out, `--param=redisUrl=${REDIS}`], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ESBUILD_WORK_FOLDER: workFolder, REDIS_URL: '', SQS_ENDPOINT: '' },
    timeout: 240_000,
  });
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 300_000);
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(join(ROOT, workFolder), { recursive: true, force: true });
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalIdOf = (value: any): string => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
const SAGA_QUEUES = ['ReserveStockQueue', 'ChargePaymentQueue', 'CompleteOrderQueue', 'ReleaseStockQueue'];

describe('the production CloudFormation template', () => {
  it('has an HTTP API route for every path of the contract, and no other', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey).sort();
    expect(routes).toEqual(
      [
        'POST /stock/item/create/{price}',
        'GET /stock/find/{item_id}',
        'POST /stock/add/{item_id}/{amount}',
        'POST /stock/subtract/{item_id}/{amount}',
        'POST /stock/batch_init/{n}/{starting_stock}/{item_price}',
        'POST /payment/create_user',
        'GET /payment/find_user/{user_id}',
        'POST /payment/add_funds/{user_id}/{amount}',
        'POST /payment/pay/{user_id}/{amount}',
        'POST /payment/batch_init/{n}/{starting_money}',
        'POST /orders/create/{user_id}',
        'GET /orders/find/{order_id}',
        'POST /orders/addItem/{order_id}/{item_id}/{quantity}',
        'POST /orders/checkout/{order_id}',
        'POST /orders/batch_init/{n}/{n_items}/{n_users}/{item_price}',
        'GET /ids/create',
      ].sort(),
    );
  });

  it('gives every saga queue a dead-letter queue through its redrive policy', () => {
    const queues = Object.fromEntries(ofType('AWS::SQS::Queue'));
    expect(Object.keys(queues).sort()).toEqual([...SAGA_QUEUES, ...SAGA_QUEUES.map((q) => q.replace('Queue', 'Dlq'))].sort());
    for (const name of SAGA_QUEUES) {
      const redrive = queues[name].Properties.RedrivePolicy;
      expect(queues[logicalIdOf(redrive.deadLetterTargetArn)]).toBeDefined();
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(queues[name].Properties.QueueName).toBe(`sagashop-prod-${name.replace('Queue', '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`);
    }
  });

  it('maps every saga queue to its function with partial batch failures, and a visibility timeout ≥ 6 × its timeout', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings.map((mapping) => logicalIdOf(mapping.EventSourceArn)).sort()).toEqual([...SAGA_QUEUES].sort());
    for (const mapping of mappings) {
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.BatchSize).toBe(10);
      expect(mapping.MaximumBatchingWindowInSeconds).toBe(0);
      const timeout = resources[logicalIdOf(mapping.FunctionName)].Properties.Timeout;
      const visibility = Number(resources[logicalIdOf(mapping.EventSourceArn)].Properties.VisibilityTimeout);
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  it('runs the replay on rate(5 minutes)', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    expect(rules).toHaveLength(1);
    expect(rules[0].ScheduleExpression).toBe('rate(5 minutes)');
    expect(logicalIdOf(rules[0].Targets[0].Arn)).toBe('ReplayLogLambdaFunction');
  });

  it('lets each function use only its own queues', () => {
    const granted: Record<string, string[]> = {};
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const role = resources[logicalIdOf(fn.Properties.Role)];
      const statements = role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
      const grants = statements
        .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('sqs:')))
        .flatMap((statement: any) =>
          [statement.Action].flat().flatMap((action: string) => [statement.Resource].flat().map((resource: any) => `${action} ${logicalIdOf(resource)}`)),
        );
      granted[fn.Properties.FunctionName.replace('sagashop-prod-', '')] = [...new Set<string>(grants)].sort();
    }
    const consume = (queue: string) => ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'].map((action) => `${action} ${queue}`);
    const send = (...queues: string[]) => queues.map((queue) => `sqs:SendMessage ${queue}`);
    const expected: Record<string, string[]> = {
      checkout: send('ReserveStockQueue'),
      reserveStock: [...consume('ReserveStockQueue'), ...send('ChargePaymentQueue', 'CompleteOrderQueue')],
      chargePayment: [...consume('ChargePaymentQueue'), ...send('CompleteOrderQueue', 'ReleaseStockQueue')],
      releaseStock: [...consume('ReleaseStockQueue'), ...send('CompleteOrderQueue')],
      completeOrder: consume('CompleteOrderQueue'),
      replayLog: send('ReserveStockQueue', 'ChargePaymentQueue'),
    };
    for (const [name, grants] of Object.entries(granted)) expect({ name, grants }).toEqual({ name, grants: (expected[name] ?? []).sort() });
  });

  it('gives every function the Redis URL passed as a stage parameter, and no local endpoint', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.REDIS_URL).toBe(REDIS);
      expect(fn.Properties.Environment.Variables.SQS_ENDPOINT).toBe('');
      expect(fn.Properties.Environment.Variables.SAGASHOP_CRASH_AT).toBe('');
    }
  });
});
