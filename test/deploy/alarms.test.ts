import { SERVER_ERROR_PATTERN, deadLetterQueuesOf } from '../../deploy/alarms';
import { errorResult } from '@lib/lambda/http';
import { Log, logger } from '@lib/lambda/observability';
import createError from 'http-errors';
import { SAGA } from '@lib/saga/definition';
import { stageSettings, StageSettingsError } from '../../deploy/stage-settings';
import { serviceNameOf } from '@lib/lambda/observability';
import { MAX_RECEIVE_COUNT } from '@lib/lambda/saga-step';
import { PROD_PARAMS, SAGA_QUEUES, functionsOf, logicalIdOf, ofType, productionPackage } from './support/package';

// The alarms a deploy to AWS creates, on the packaged production template: what each watches
// (metric, dimensions, statistic), when it fires (> 0), and that every one notifies the topic.
const prod = productionPackage();

const resources = () => prod().template.Resources;
const alarms = () => Object.fromEntries(ofType(prod(), 'AWS::CloudWatch::Alarm').map(([id, alarm]) => [id, alarm.Properties]));
const firesAboveZero = {
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  EvaluationPeriods: 1,
  TreatMissingData: 'notBreaching',
  AlarmActions: [{ Ref: 'AlarmTopic' }],
  OKActions: [{ Ref: 'AlarmTopic' }],
};

describe('the production alarms', () => {
  it('notify one SNS topic, with no subscription unless alarmEmail is given', () => {
    expect(resources().AlarmTopic.Type).toBe('AWS::SNS::Topic');
    expect(ofType(prod(), 'AWS::SNS::Subscription')).toEqual([]);
    for (const [id, alarm] of Object.entries(alarms())) {
      // The queue-age alarms fire above the checkout's wait, every other one above 0.
      const threshold = id.endsWith('QueueAgeAlarm') ? 20 : 0;
      expect({ id, ...alarm }).toMatchObject({ id, ...firesAboveZero, Threshold: threshold });
    }
  });

  it('fire on any message in any dead-letter queue, which a message reaches after maxReceiveCount failed deliveries', () => {
    const dlqs = ofType(prod(), 'AWS::SQS::Queue')
      .filter(([id]) => id.endsWith('Dlq'))
      .map(([id]) => id);
    expect(dlqs.sort()).toEqual(deadLetterQueuesOf(SAGA).sort());
    for (const dlq of dlqs) {
      expect(alarms()[`${dlq}Alarm`]).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Statistic: 'Maximum',
      });
    }
    // DeadLetterRisk (lib/lambda/saga-step.ts) counts a record failing its last delivery by this number.
    for (const [, queue] of ofType(prod(), 'AWS::SQS::Queue').filter(([, queue]) => queue.Properties.RedrivePolicy)) {
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    }
  });

  it('fire on an open saga past its deadline, from the metric the replay function writes', () => {
    // The metric's service dimension is what the deployed replay function calls itself.
    const replayName = resources().ReplayLogLambdaFunction.Properties.FunctionName;
    expect(serviceNameOf(replayName)).toBe('replayLog');
    expect(alarms().OpenSagaPastDeadlineAlarm).toMatchObject({
      Namespace: 'sagashop',
      MetricName: 'OpenSagasPastDeadline',
      Dimensions: [{ Name: 'service', Value: 'replayLog' }],
      Statistic: 'Maximum',
      Period: 300,
    });
  });

  it("fire when the replay fails: ReplayFailed or the replay function's Errors above 0", () => {
    const { Metrics } = alarms().ReplayFailingAlarm;
    const byId = Object.fromEntries(Metrics.map((metric: any) => [metric.Id, metric]));
    expect(byId.failed.MetricStat).toMatchObject({
      Metric: {
        Namespace: 'sagashop',
        MetricName: 'ReplayFailed',
        Dimensions: [{ Name: 'service', Value: 'replayLog' }],
      },
      Stat: 'Sum',
    });
    expect(byId.errors.MetricStat).toMatchObject({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ReplayLogLambdaFunction' } }],
      },
      Stat: 'Sum',
    });
    expect(byId.failing).toMatchObject({ Expression: 'FILL(failed, 0) + FILL(errors, 0)', ReturnData: true });
    expect(Metrics.filter((metric: any) => metric.ReturnData)).toHaveLength(1);
  });

  it("fire on any function's errors, each function watched once", () => {
    const watched = Object.values(alarms()).flatMap((alarm: any) =>
      [alarm, ...(alarm.Metrics ?? []).map((metric: any) => metric.MetricStat?.Metric ?? {})]
        .filter((metric: any) => metric.Namespace === 'AWS/Lambda' && metric.MetricName === 'Errors')
        .map((metric: any) => logicalIdOf(metric.Dimensions[0].Value)),
    );
    const functions = functionsOf(prod(), 'prod').map(([name]) => `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`);
    expect(watched.sort()).toEqual(functions.sort());
    for (const id of functions.filter((id) => id !== 'ReplayLogLambdaFunction')) {
      expect(alarms()[`${id}ErrorsAlarm`]).toMatchObject({
        Statistic: 'Sum',
        Period: 60,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
      });
      expect(resources()[id].Type).toBe('AWS::Lambda::Function');
    }
  });

  it("fire on any function's throttles, each function watched", () => {
    for (const [name] of functionsOf(prod(), 'prod')) {
      const id = `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`;
      expect({ id, alarm: alarms()[`${id}ThrottlesAlarm`] }).toMatchObject({
        id,
        alarm: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Throttles',
          Statistic: 'Sum',
          Period: 60,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        },
      });
    }
  });

  it("fire when a saga queue's oldest message has waited longer than a checkout waits", () => {
    for (const queue of SAGA_QUEUES) {
      expect({ queue, alarm: alarms()[`${queue}AgeAlarm`] }).toMatchObject({
        queue,
        alarm: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateAgeOfOldestMessage',
          Statistic: 'Maximum',
          Threshold: 20,
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        },
      });
    }
  });

  it("fire on a route's answered 500s, not on the API's 5xx, which counts the designed 503 and 504", () => {
    const apiGateway = Object.entries(alarms()).filter(([, alarm]: [string, any]) => alarm.Namespace === 'AWS/ApiGateway');
    expect(apiGateway).toEqual([]);
    expect(alarms().ServerErrorsAlarm).toMatchObject({
      Namespace: 'sagashop',
      MetricName: 'ServerErrors',
      Statistic: 'Sum',
    });
    const filters = ofType(prod(), 'AWS::Logs::MetricFilter').map(([, filter]) => filter.Properties);
    const routes = ofType(prod(), 'AWS::Lambda::Permission').filter(
      ([, permission]) => permission.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(filters).toHaveLength(routes.length);
    for (const filter of filters) {
      expect(filter).toMatchObject({
        FilterPattern: SERVER_ERROR_PATTERN,
        MetricTransformations: [{ MetricNamespace: 'sagashop', MetricName: 'ServerErrors', MetricValue: '1' }],
      });
      expect(resources()[filter.LogGroupName.Ref].Type).toBe('AWS::Logs::LogGroup');
    }
  });

  it('count what lib/lambda/http.ts logs for a 500, and not its 503 and 504', () => {
    const lines: any[] = [];
    const spy = jest
      .spyOn(logger, 'error')
      .mockImplementation((message: any, ...extra: any[]) => void lines.push(Object.assign({ message }, ...extra)));
    try {
      for (const error of [new Error('unexpected'), createError(503, 'busy'), createError(504, 'late')]) errorResult(error, new Log());
    } finally {
      spy.mockRestore();
    }
    // The filter's two terms, evaluated on each line as CloudWatch Logs would.
    const [, message, status] = /^\{ \$\.message = "([^"]+)" && \$\.statusCode = (\d+) \}$/.exec(SERVER_ERROR_PATTERN)!;
    const counted = lines.map((line) => line.message === message && line.statusCode === Number(status));
    expect(counted).toEqual([true, false, false]);
  });
});

describe('alarm settings', () => {
  const inputs = (stage: string, params: Record<string, string> = {}) => ({
    stage,
    region: 'eu-west-1',
    params,
    env: {},
    hostArch: 'x64',
  });

  it('subscribe alarmEmail to the topic, and refuse what is not an address', () => {
    const alarmsOf = (email: string) => stageSettings(inputs('prod', { ...PROD_PARAMS, alarmEmail: email })).alarms.Resources!;
    expect(alarmsOf('ops@example.com').AlarmEmailSubscription).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
    });
    expect(() => alarmsOf('ops')).toThrow(StageSettingsError);
  });

  it('exist on AWS stages only', () => {
    expect(stageSettings(inputs('local')).alarms).toEqual({});
    expect(stageSettings(inputs('localstack')).alarms).toEqual({});
  });
});
