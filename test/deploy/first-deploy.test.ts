import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETWORK_INTERFACE_RIGHTS } from '../../deploy/aws-template';
import { queueResources } from '../../deploy/saga-template';
import { stageSettings, StageSettingsError } from '../../deploy/stage-settings';
import { SAGA, functionKeyOf, stepNamesOf } from '@lib/saga/definition';
import { PROD_PARAMS, ROOT, SAGA_QUEUES, functionsOf, logicalIdOf, ofType, productionPackage, roleStatements } from './support/package';

// What a first deploy, or its first busy hour, would have hit (issue 20), asserted on the packaged
// production template (`serverless package --stage prod`, the default parameters).
const prod = productionPackage();
const resources = () => prod().template.Resources;
const STEP_FUNCTIONS = stepNamesOf(SAGA).map(
  (step) => `${functionKeyOf(step)[0].toUpperCase()}${functionKeyOf(step).slice(1)}LambdaFunction`,
);

const awsSettings = (params: Record<string, string>) =>
  stageSettings({
    stage: 'prod',
    region: 'eu-west-1',
    params: { ...PROD_PARAMS, ...params },
    env: {},
    hostArch: 'x64',
  });

describe('the VPC endpoints', () => {
  it('take one subnet by default (an endpoint accepts one per Availability Zone, which subnet ids do not tell)', () => {
    for (const id of ['SqsVpcEndpoint', 'SsmVpcEndpoint'])
      expect({ id, subnets: resources()[id].Properties.SubnetIds }).toEqual({ id, subnets: ['subnet-0a1'] });
    // The functions keep all their subnets.
    for (const [name, fn] of functionsOf(prod(), 'prod'))
      expect({ name, subnets: fn.Properties.VpcConfig.SubnetIds }).toEqual({
        name,
        subnets: ['subnet-0a1', 'subnet-0b2'],
      });
  });

  it('take endpointSubnetIds, one per zone, when given', () => {
    const endpoints = awsSettings({ endpointSubnetIds: 'subnet-0e1,subnet-0e2' }).resources.Resources as Record<string, any>;
    expect(endpoints.SqsVpcEndpoint.Properties.SubnetIds).toEqual(['subnet-0e1', 'subnet-0e2']);
    expect(() => awsSettings({ endpointSubnetIds: 'subnet-0e1,nope' })).toThrow(StageSettingsError);
  });
});

describe('concurrency', () => {
  it("reserves the checkout's and each step's, and bounds each queue mapping to its step's reserve", () => {
    expect(resources().CheckoutLambdaFunction.Properties.ReservedConcurrentExecutions).toBe(SAGA.concurrency.senders.checkout);
    for (const id of STEP_FUNCTIONS)
      expect({ id, reserved: resources()[id].Properties.ReservedConcurrentExecutions }).toEqual({
        id,
        reserved: SAGA.concurrency.perStep,
      });
    const mappings = ofType(prod(), 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings).toHaveLength(SAGA_QUEUES.length);
    for (const mapping of mappings) {
      const fn = logicalIdOf(mapping.FunctionName);
      expect({ fn, scaling: mapping.ScalingConfig }).toEqual({
        fn,
        scaling: { MaximumConcurrency: resources()[fn].Properties.ReservedConcurrentExecutions },
      });
    }
    expect(SAGA.concurrency.perStep).toBeGreaterThanOrEqual(2); // Lambda's least MaximumConcurrency
  });

  it('takes stepConcurrency and checkoutConcurrency, and refuses what Lambda would', () => {
    expect(awsSettings({ stepConcurrency: '20', checkoutConcurrency: '200' }).concurrency).toEqual({
      perStep: 20,
      senders: { checkout: 200 },
    });
    expect(awsSettings({}).concurrency).toEqual(SAGA.concurrency);
    for (const stepConcurrency of ['1', '1001', 'many'])
      expect(() => awsSettings({ stepConcurrency })).toThrow('stepConcurrency must be a whole number from 2 to 1000');
    expect(stageSettings({ stage: 'local', region: 'us-east-1', params: {}, env: {}, hostArch: 'x64' }).concurrency).toBeNull();
  });
});

describe('the roles', () => {
  it("are the functions' own only: no unused shared role", () => {
    expect(resources().IamRoleLambdaExecution).toBeUndefined();
    const roles = ofType(prod(), 'AWS::IAM::Role')
      .map(([id]) => id)
      .sort();
    const used = functionsOf(prod(), 'prod')
      .map(([, fn]) => logicalIdOf(fn.Properties.Role))
      .sort();
    expect(roles).toEqual(used);
  });

  it('hold no managed policy (AWSLambdaVPCAccessExecutionRole grants logs on every group): the network-interface rights are written out', () => {
    for (const [name, fn] of functionsOf(prod(), 'prod')) {
      const role = resources()[logicalIdOf(fn.Properties.Role)];
      expect({ name, managed: role.Properties.ManagedPolicyArns }).toEqual({ name, managed: undefined });
      const statements = roleStatements(prod(), fn);
      expect(statements).toContainEqual(NETWORK_INTERFACE_RIGHTS);
      const logs = statements.filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('logs:')));
      expect({ name, logs: logs.flatMap((statement: any) => statement.Resource) }).toEqual({
        name,
        logs: [
          {
            'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/sagashop-prod-${name}:*:*`,
          },
        ],
      });
    }
    expect(JSON.stringify(prod().template)).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });
});

describe('what is deployed at all', () => {
  it('leaves out the batch_init functions, and their alarms, when their routes are off', () => {
    const names = functionsOf(prod(), 'prod').map(([name]) => name);
    for (const name of ['batchInitItems', 'batchInitUsers', 'batchInitOrders']) expect(names).not.toContain(name);
    expect(JSON.stringify(prod().template)).not.toMatch(/BatchInit/);
  });

  it('keeps the dead-letter queues when the stack goes or a queue is replaced', () => {
    for (const [id, queue] of ofType(prod(), 'AWS::SQS::Queue')) {
      const retained = id.endsWith('Dlq') ? 'Retain' : undefined;
      expect({
        id,
        deletion: (queue as any).DeletionPolicy,
        replace: (queue as any).UpdateReplacePolicy,
      }).toEqual({ id, deletion: retained, replace: retained });
    }
    // A stand-in account's test run may let them go with the stack.
    expect(awsSettings({ retainDeadLetterQueues: 'false' }).retainDeadLetterQueues).toBe(false);
    expect(
      queueResources(SAGA, { stage: 'prod', visibilityTimeout: 60, retainDeadLetterQueues: false }).ReserveStockDlq,
    ).not.toHaveProperty('DeletionPolicy');
  });

  it('publishes no Lambda versions (nothing invokes one)', () => {
    expect(ofType(prod(), 'AWS::Lambda::Version')).toEqual([]);
  });
});

describe('retries', () => {
  it("let each step change the visibility of its own queue's messages, and of no other queue", () => {
    for (const step of stepNamesOf(SAGA)) {
      const fn = resources()[STEP_FUNCTIONS[stepNamesOf(SAGA).indexOf(step)]];
      const changes = roleStatements(prod(), fn).filter((statement: any) =>
        [statement.Action].flat().includes('sqs:ChangeMessageVisibility'),
      );
      expect({ step, queues: changes.map((statement: any) => logicalIdOf(statement.Resource)) }).toEqual({
        step,
        queues: [SAGA_QUEUES[stepNamesOf(SAGA).indexOf(step)]],
      });
    }
    for (const [name, fn] of functionsOf(prod(), 'prod')) {
      if (STEP_FUNCTIONS.includes(`${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`)) continue;
      expect({
        name,
        changes: JSON.stringify(roleStatements(prod(), fn)).includes('ChangeMessageVisibility'),
      }).toEqual({ name, changes: false });
    }
  });
});

describe('the lock library', () => {
  it('is redlock pinned to one exact version, the lock file agreeing', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(manifest.dependencies.redlock).toBe('5.0.0-beta.2');
    expect(lock.packages[''].dependencies.redlock).toBe('5.0.0-beta.2');
    expect(lock.packages['node_modules/redlock'].version).toBe('5.0.0-beta.2');
  });
});
