import { stepFunctions, queueResources, senderRights } from '../../deploy/saga-template';
import { SAGA } from '@lib/saga/definition';
import { saga } from './fixtures/saga-with-shipping';
import {
  PROD_PARAMS,
  consumeGrants,
  functionsOf,
  logicalIdOf,
  ofType,
  packageStage,
  sendGrants,
  sqsGrants,
  type Packaged,
} from './support/package';

// README, "Adding a step": a declaration with a shipping reservation (and its compensation)
// between reserve-stock and charge-payment, and nothing else changed. First the generator alone,
// then the template `serverless package --stage prod` builds from that declaration (one run).
const DECLARATION = 'test/deploy/fixtures/saga-with-shipping.ts';

describe('the generator, given a declaration with one more step', () => {
  it('gives the new step a function on its own queue, sending where the declaration says', () => {
    expect(stepFunctions(saga).reserveShipping).toEqual({
      handler: 'test/deploy/fixtures/shipping.reserve',
      iamRoleStatements: [
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['ChargePaymentQueue', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['ReleaseStockQueue', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: 'sqs:ChangeMessageVisibility',
          Resource: { 'Fn::GetAtt': ['ReserveShippingQueue', 'Arn'] },
        },
      ],
      events: [
        {
          sqs: {
            arn: { 'Fn::GetAtt': ['ReserveShippingQueue', 'Arn'] },
            batchSize: 10,
            maximumBatchingWindow: 0,
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
    });
    expect(queueResources(saga, { stage: 'prod', visibilityTimeout: 60 })).toMatchObject({
      ReserveShippingQueue: {
        Properties: {
          QueueName: 'sagashop-prod-reserve-shipping',
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ReserveShippingDlq', 'Arn'] } },
        },
      },
      ReserveShippingDlq: { Properties: { QueueName: 'sagashop-prod-reserve-shipping-dlq' } },
    });
    // Recovery's re-sends are declared apart: the new step changes none of them.
    expect(senderRights(saga)).toEqual(senderRights(SAGA));
  });

  it('refuses a declaration naming a step that does not exist, or a step nothing sends to', () => {
    const typo = {
      ...saga,
      steps: {
        ...saga.steps,
        'reserve-shipping': { ...saga.steps['reserve-shipping'], onDone: 'charge-paymnet' },
      },
    };
    expect(() => stepFunctions(typo as any)).toThrow('reserve-shipping.onDone names "charge-paymnet", which is not a step');
    const orphan = {
      ...saga,
      steps: { ...saga.steps, 'reserve-stock': { ...saga.steps['reserve-stock'], onDone: 'charge-payment' } },
    };
    expect(() => stepFunctions(orphan as any)).toThrow('nothing ever sends to step "reserve-shipping"');
  });
});

describe('serverless package --stage prod with SAGA_DECLARATION naming that declaration', () => {
  let packaged: Packaged;
  beforeAll(async () => {
    packaged = await packageStage('prod', PROD_PARAMS, { SAGA_DECLARATION: DECLARATION });
  }, 240_000);
  afterAll(() => packaged?.remove());

  const resource = (id: string) => packaged.template.Resources[id];
  const functionNamed = (name: string) => functionsOf(packaged, 'prod').find(([key]) => key === name)![1];

  it('declares the new queue, redriving to its own dead-letter queue after five deliveries', () => {
    expect(resource('ReserveShippingQueue')).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: 'sagashop-prod-reserve-shipping',
        VisibilityTimeout: 60,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['ReserveShippingDlq', 'Arn'] },
          maxReceiveCount: 5,
        },
      },
    });
    expect(resource('ReserveShippingDlq')).toEqual({
      Type: 'AWS::SQS::Queue',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { QueueName: 'sagashop-prod-reserve-shipping-dlq', MessageRetentionPeriod: 1_209_600 },
    });
    expect(resource('ReserveShippingDlqAlarm')).toMatchObject({ Type: 'AWS::CloudWatch::Alarm' });
  });

  it('maps the new queue to the new function, ten at a time, with partial batch failures', () => {
    const mapping = ofType(packaged, 'AWS::Lambda::EventSourceMapping')
      .map(([, candidate]) => candidate.Properties)
      .filter((properties) => logicalIdOf(properties.EventSourceArn) === 'ReserveShippingQueue');
    expect(mapping).toHaveLength(1);
    expect(mapping[0]).toMatchObject({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(logicalIdOf(mapping[0].FunctionName)).toBe('ReserveShippingLambdaFunction');
  });

  it('lets the new step consume its queue and send on; the step before it now sends to it instead', () => {
    expect(sqsGrants(packaged, functionNamed('reserveShipping'))).toEqual(
      [...consumeGrants('ReserveShippingQueue'), ...sendGrants('ChargePaymentQueue', 'ReleaseStockQueue')].sort(),
    );
    expect(sqsGrants(packaged, functionNamed('reserveStock'))).toEqual(
      [...consumeGrants('ReserveStockQueue'), ...sendGrants('ReserveShippingQueue', 'CompleteOrderQueue')].sort(),
    );
    expect(sqsGrants(packaged, functionNamed('chargePayment'))).toEqual(
      [...consumeGrants('ChargePaymentQueue'), ...sendGrants('CompleteOrderQueue', 'ReleaseShippingQueue')].sort(),
    );
    expect(sqsGrants(packaged, functionNamed('releaseShipping'))).toEqual(
      [...consumeGrants('ReleaseShippingQueue'), ...sendGrants('ReleaseStockQueue')].sort(),
    );
    expect(sqsGrants(packaged, functionNamed('replayLog'))).toEqual(sendGrants('ChargePaymentQueue', 'ReserveStockQueue'));
  });

  it('gives the new step and its queue their dashboard widgets, generated from the declaration', () => {
    const [[, dashboard]] = ofType(packaged, 'AWS::CloudWatch::Dashboard');
    const titles: string[] = JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub'])
      .widgets.map((widget: any) => widget.properties.title)
      .filter(Boolean);
    for (const step of ['reserve-shipping', 'release-shipping']) {
      expect(titles).toEqual(
        expect.arrayContaining([
          `Step ${step}: outcomes per minute`,
          `Step ${step}: latency p50 / p99 (ms)`,
          `Step ${step}: throttles, errors, concurrency`,
        ]),
      );
      expect(titles).toEqual(
        expect.arrayContaining([
          `Queue sagashop-prod-${step}: depth`,
          `Queue sagashop-prod-${step}: oldest message age (s)`,
          `Queue sagashop-prod-${step}-dlq: dead letters`,
        ]),
      );
    }
    expect(titles.filter((title) => title.startsWith('Step ') && title.endsWith('outcomes per minute'))).toHaveLength(6);
    expect(dashboard.Properties.DashboardBody['Fn::Sub']).toContain('"FunctionName","sagashop-prod-reserveShipping"');
  });

  it("gives every function the new queues' URLs", () => {
    for (const [name, fn] of functionsOf(packaged, 'prod')) {
      const variables = fn.Properties.Environment.Variables;
      expect({
        name,
        reserve: variables.RESERVE_SHIPPING_QUEUE_URL,
        release: variables.RELEASE_SHIPPING_QUEUE_URL,
      }).toEqual({
        name,
        reserve: { Ref: 'ReserveShippingQueue' },
        release: { Ref: 'ReleaseShippingQueue' },
      });
    }
  });
});
