import {
  CONTRACT_ROUTES,
  SAGA_QUEUES,
  functionsOf,
  logicalIdOf,
  ofType,
  productionPackage,
  PROD_PARAMS,
  roleStatements,
  sqsGrants,
  consumeGrants,
  sendGrants,
} from './support/package';
import { SAGA, functionKeyOf, queueUrlVariable, stepNamesOf, type SagaStep } from '@lib/saga/definition';

// `serverless package --stage prod` (no AWS account needed), from a shell full of local settings,
// then assertions over the CloudFormation template: what a deploy to AWS would create.
const prod = productionPackage();

const resources = () => prod().template.Resources;
const text = () => JSON.stringify(prod().template);

describe('the production CloudFormation template', () => {
  it("has an HTTP API route for every path of the contract but batch_init, which is off unless a parameter turns it on, and the operator's", () => {
    const routes = ofType(prod(), 'AWS::ApiGatewayV2::Route')
      .map(([, route]) => route.Properties.RouteKey)
      .sort();
    // The operator's API (IAM-authorized, test/deploy/operator.test.ts) is outside the contract.
    expect(routes).toEqual([...CONTRACT_ROUTES.filter((route) => !route.includes('/batch_init/')), 'ANY /ops/{proxy+}'].sort());
    expect(ofType(prod(), 'AWS::ApiGateway::RestApi')).toEqual([]);
  });

  it('throttles the API', () => {
    expect(resources().HttpApiStage.Properties.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
  });

  it('gives every saga queue a dead-letter queue through its redrive policy', () => {
    const queues = Object.fromEntries(ofType(prod(), 'AWS::SQS::Queue'));
    expect(Object.keys(queues).sort()).toEqual([...SAGA_QUEUES, ...SAGA_QUEUES.map((q) => q.replace('Queue', 'Dlq'))].sort());
    for (const name of SAGA_QUEUES) {
      const redrive = queues[name].Properties.RedrivePolicy;
      expect(queues[logicalIdOf(redrive.deadLetterTargetArn)]).toBeDefined();
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
      expect(queues[name].Properties.QueueName).toBe(
        `sagashop-prod-${name
          .replace('Queue', '')
          .replace(/([a-z])([A-Z])/g, '$1-$2')
          .toLowerCase()}`,
      );
    }
  });

  it("maps every saga queue to its function with partial batch failures, and a visibility timeout ≥ 6 × its timeout (not the shell's)", () => {
    const mappings = ofType(prod(), 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings.map((mapping) => logicalIdOf(mapping.EventSourceArn)).sort()).toEqual([...SAGA_QUEUES].sort());
    for (const mapping of mappings) {
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.BatchSize).toBe(10);
      expect(mapping.MaximumBatchingWindowInSeconds).toBe(0);
      const timeout = resources()[logicalIdOf(mapping.FunctionName)].Properties.Timeout;
      const visibility = Number(resources()[logicalIdOf(mapping.EventSourceArn)].Properties.VisibilityTimeout);
      expect(visibility).toBe(60);
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  it('runs the replay on rate(5 minutes), whatever REPLAY_RATE the shell has', () => {
    const rules = ofType(prod(), 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
    expect(rules).toHaveLength(1);
    expect(rules[0].ScheduleExpression).toBe('rate(5 minutes)');
    expect(logicalIdOf(rules[0].Targets[0].Arn)).toBe('ReplayLogLambdaFunction');
    // Its timeout is the schedule's period: under a backlog one run works until the next is due.
    expect(resources().ReplayLogLambdaFunction.Properties.Timeout).toBe(300);
  });

  it('lets each function use only its own queues', () => {
    const granted = Object.fromEntries(functionsOf(prod(), 'prod').map(([name, fn]) => [name, sqsGrants(prod(), fn)]));
    // From the declaration: each step consumes its own queue and sends where it goes on done and
    // on refusal; the senders send where they are declared to.
    const queueOf = (step: SagaStep) => SAGA_QUEUES[stepNamesOf(SAGA).indexOf(step)];
    const expected: Record<string, string[]> = Object.fromEntries([
      ...stepNamesOf(SAGA).map((step) => {
        const { onDone, onRefused } = SAGA.steps[step];
        const targets = [...new Set([onDone, onRefused])].filter((next) => next !== null);
        return [functionKeyOf(step), [...consumeGrants(queueOf(step)), ...sendGrants(...targets.map(queueOf))]];
      }),
      ...Object.entries(SAGA.senders).map(([name, sender]) => [name, sendGrants(...sender.sendsTo.map(queueOf))]),
      // The operator's API reads every queue, sends to the steps' and empties the dead-letter ones.
      [
        'operator',
        SAGA_QUEUES.flatMap((queue) => [
          `sqs:GetQueueAttributes ${queue}`,
          ...sendGrants(queue),
          ...['DeleteMessage', 'GetQueueAttributes', 'GetQueueUrl', 'ReceiveMessage'].map(
            (action) => `sqs:${action} ${queue.replace(/Queue$/, 'Dlq')}`,
          ),
        ]),
      ],
    ]);
    expect(expected).toMatchObject({
      checkout: sendGrants('ReserveStockQueue'),
      completeOrder: consumeGrants('CompleteOrderQueue'),
    });
    for (const [name, grants] of Object.entries(granted)) expect({ name, grants }).toEqual({ name, grants: (expected[name] ?? []).sort() });
  });

  it("holds the Redis token's name only, and lets each role read only that parameter", () => {
    const parameterArn = {
      'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/sagashop/prod/redis-auth',
    };
    for (const [name, fn] of functionsOf(prod(), 'prod')) {
      const variables = fn.Properties.Environment.Variables;
      expect({ name, url: variables.REDIS_URL, parameter: variables.REDIS_AUTH_PARAMETER }).toEqual({
        name,
        url: PROD_PARAMS.redisUrl,
        parameter: '/sagashop/prod/redis-auth',
      });
      // The network-interface rights (test/deploy/first-deploy.test.ts) aside.
      const other = roleStatements(prod(), fn).filter(
        (statement: any) => ![statement.Action].flat().every((action: string) => /^(sqs|logs|ec2):/.test(action)),
      );
      expect({ name, other }).toEqual({
        name,
        other: [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: parameterArn }],
      });
    }
    expect(text()).not.toMatch(/kms:|secretsmanager:|ssm:GetParameters\b|ssm:\*/);
  });

  it('takes nothing from the shell: no local endpoint, no crash injection, no local Redis or timings', () => {
    for (const [name, fn] of functionsOf(prod(), 'prod')) {
      expect({ name, variables: Object.keys(fn.Properties.Environment.Variables).sort() }).toEqual({
        name,
        variables: [
          ...stepNamesOf(SAGA).map(queueUrlVariable),
          'CHECKOUT_DEADLINE_MS',
          'CHECKOUT_WAIT_MS',
          'MESSAGE_GRACE_MS',
          'REDIS_AUTH_PARAMETER',
          'REDIS_DURABILITY',
          'REDIS_URL',
          'REPLAY_STALE_MS',
          'SAGA_RETENTION_SECONDS',
        ].sort(),
      });
      expect(fn.Properties.Environment.Variables.SAGA_RETENTION_SECONDS).toBe('3600');
      // ElastiCache by default: a replica acknowledges each write before anything acts on it.
      expect(fn.Properties.Environment.Variables.REDIS_DURABILITY).toBe('replicas:1');
    }
    expect(text()).not.toMatch(/localhost|127\.0\.0\.1|shell-secret|6390|6391|SAGASHOP_CRASH|SQS_ENDPOINT/);
  });

  it("runs every function on a supported runtime, arm64, in the cache's VPC", () => {
    // Framework 3.40 knew no runtime past nodejs20.x and warned "Invalid configuration"; osls knows it.
    expect(prod().output).not.toMatch(/Invalid configuration|Warning/);
    for (const [name, fn] of functionsOf(prod(), 'prod')) {
      expect({ name, runtime: fn.Properties.Runtime, arch: fn.Properties.Architectures }).toEqual({
        name,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
      });
      expect({ name, vpc: fn.Properties.VpcConfig }).toEqual({
        name,
        vpc: {
          SecurityGroupIds: [{ Ref: 'FunctionSecurityGroup' }, 'sg-0c3'],
          SubnetIds: ['subnet-0a1', 'subnet-0b2'],
        },
      });
    }
  });

  it('reaches SQS and SSM from the VPC through interface endpoints that let in only the functions', () => {
    for (const [id, service] of [
      ['SqsVpcEndpoint', 'sqs'],
      ['SsmVpcEndpoint', 'ssm'],
    ]) {
      expect(resources()[id]).toEqual({
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          ServiceName: { 'Fn::Sub': `com.amazonaws.\${AWS::Region}.${service}` },
          VpcEndpointType: 'Interface',
          VpcId: 'vpc-0a1b2c3d',
          // One subnet per Availability Zone at most: test/deploy/first-deploy.test.ts.
          SubnetIds: ['subnet-0a1'],
          SecurityGroupIds: [{ Ref: 'VpcEndpointSecurityGroup' }],
          PrivateDnsEnabled: true,
        },
      });
    }
    expect(resources().VpcEndpointSecurityGroup.Properties.SecurityGroupIngress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { Ref: 'FunctionSecurityGroup' },
      },
    ]);
    expect(resources().FunctionSecurityGroup.Properties.VpcId).toBe('vpc-0a1b2c3d');
  });

  it('keeps every log group 30 days, not forever', () => {
    const groups = ofType(prod(), 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(functionsOf(prod(), 'prod').length);
    for (const [id, group] of groups) expect({ id, days: group.Properties.RetentionInDays }).toEqual({ id, days: 30 });
  });
});
