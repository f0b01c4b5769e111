// The CloudWatch alarms of an AWS stage (serverless.yml's `${self:custom.stage.alarms}`), each
// notifying one SNS topic when it fires and when it clears; an `alarmEmail` parameter subscribes
// an address to it. What each alarm watches, and why, is in the README ("Logs and metrics").
//
// The application's own metrics (namespace "sagashop") are EMF lines the functions print
// (lib/lambda/observability.ts); their `service` dimension is the function's key, e.g. replayLog.

import { SAGA, stepNamesOf, type SagaDeclaration } from '../lib/saga/definition';
import { deadLetterLogicalId, queueLogicalId } from './saga-template';

export interface AlarmInput {
  alarmEmail?: string;
  /** The saga whose dead-letter queues are watched (lib/saga/definition.ts unless a test gives one). */
  saga?: SagaDeclaration;
  /** A saga queue whose oldest message is older than this has kept a checkout waiting past its
   * wait (the checkout's CHECKOUT_WAIT_MS, in seconds). */
  oldestMessageAlarmSeconds?: number;
}

export const NAMESPACE = 'sagashop';
export const REPLAY_FUNCTION = 'replayLog';
export const ALARM_TOPIC = 'AlarmTopic';

const sub = (text: string) => ({ 'Fn::Sub': text });
/** The Framework's logical id of a function (keys here are camelCase, without dashes). */
export const functionLogicalId = (key: string) => `${key[0].toUpperCase()}${key.slice(1)}LambdaFunction`;
/** The template's dead-letter queue of each saga step: ReserveStockDlq, ... */
export const deadLetterQueuesOf = (saga: SagaDeclaration) => stepNamesOf(saga).map(deadLetterLogicalId);

type Dimension = { Name: string; Value: unknown };

/** "Fires as soon as one period's value is above the threshold (0 unless said)": what every alarm
 * here is. No data (an idle queue, a function not invoked, the replay between runs) is not a problem. */
function aboveZero(name: string, description: string, metric: Record<string, unknown>, threshold = 0) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: sub(`\${AWS::StackName}-${name}`),
      AlarmDescription: description,
      ...metric,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ALARM_TOPIC }],
      OKActions: [{ Ref: ALARM_TOPIC }],
    },
  };
}

const single = (namespace: string, metricName: string, dimensions: Dimension[], statistic: 'Sum' | 'Maximum', period: number) => ({
  Namespace: namespace,
  MetricName: metricName,
  ...(dimensions.length > 0 ? { Dimensions: dimensions } : {}),
  Statistic: statistic,
  Period: period,
});

const replayDimension: Dimension[] = [{ Name: 'service', Value: REPLAY_FUNCTION }];

export function alarmResources(input: AlarmInput): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    [ALARM_TOPIC]: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'sagashop alarms' } },
  };
  if (input.alarmEmail) {
    resources.AlarmEmailSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: ALARM_TOPIC }, Protocol: 'email', Endpoint: input.alarmEmail },
    };
  }
  // A message in a dead-letter queue failed five deliveries: its saga is recovered by the replay,
  // but the cause wants looking at. Lambda cannot see the redrive, SQS's own metric can.
  for (const dlq of deadLetterQueuesOf(input.saga ?? SAGA)) {
    resources[`${dlq}Alarm`] = aboveZero(
      `${dlq
        .replace(/Dlq$/, '')
        .replace(/([a-z])([A-Z])/g, '$1-$2')
        .toLowerCase()}-dead-letters`,
      `Messages are waiting in ${dlq}: a saga step failed them five times. See README "Logs and metrics".`,
      single(
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        'Maximum',
        60,
      ),
    );
  }
  // The replay compensates every open saga past its deadline; one still open after it ran means
  // the replay cannot finish it (or a step keeps moving it). The gauge is measured by each run.
  resources.OpenSagaPastDeadlineAlarm = aboveZero(
    'open-saga-past-deadline',
    'An open saga is older than its deadline after the replay ran (OpenSagasPastDeadline > 0). See README "Logs and metrics".',
    single(NAMESPACE, 'OpenSagasPastDeadline', replayDimension, 'Maximum', 300),
  );
  // The replay failing: a run that threw (ReplayFailed, and the function's own Errors, which also
  // catch a timeout or a crash before any metric was written) or a saga it could not handle.
  resources.ReplayFailingAlarm = aboveZero(
    'replay-failing',
    'The replay failed or could not handle a saga (ReplayFailed or its Errors > 0). See README "Logs and metrics".',
    {
      Metrics: [
        {
          Id: 'failed',
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: NAMESPACE, MetricName: 'ReplayFailed', Dimensions: replayDimension },
            Period: 300,
            Stat: 'Sum',
          },
        },
        {
          Id: 'errors',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(REPLAY_FUNCTION) } }],
            },
            Period: 300,
            Stat: 'Sum',
          },
        },
        {
          Id: 'failing',
          ReturnData: true,
          Label: 'replay failures',
          Expression: 'FILL(failed, 0) + FILL(errors, 0)',
        },
      ],
    },
  );
  // A message waiting longer than a checkout waits: a step is throttled, failing or slow, and
  // checkouts answer 504. (The API's 5xx would count those 504s and the designed 503s too: the
  // alarms on real failures are each function's Errors and the answered 500s, functionAlarms.)
  const saga = input.saga ?? SAGA;
  const oldestMessageSeconds = input.oldestMessageAlarmSeconds ?? 20;
  for (const step of stepNamesOf(saga)) {
    const queue = queueLogicalId(step);
    resources[`${queue}AgeAlarm`] = aboveZero(
      `${step}-oldest-message`,
      `A message in ${queue} has waited more than ${oldestMessageSeconds} s (ApproximateAgeOfOldestMessage): checkouts wait past their deadline. See README "Logs and metrics".`,
      single(
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        'Maximum',
        60,
      ),
      oldestMessageSeconds,
    );
  }
  return resources;
}

/** The metric every HTTP function's answered 500 counts in: an unexpected failure the route caught
 * (lib/lambda/http.ts logs each with its statusCode); a Lambda error is the function's Errors. */
export const SERVER_ERRORS_METRIC = 'ServerErrors';
/** The log lines lib/lambda/http.ts's errorResult writes for an answer of 500, and only those. */
export const SERVER_ERROR_PATTERN = '{ $.message = "request failed" && $.statusCode = 500 }';

/**
 * Per function: an Errors alarm (but the replay, whose Errors are in its own alarm): an invocation
 * that failed outright (a timeout, a crash, a batch whose Redis token could not be read); a
 * Throttles alarm: an invocation refused for concurrency (a step past its reserved concurrency, a
 * checkout past its own, any function when the account's quota is spent). Handled failures are
 * not Lambda errors: a route answers 500 (counted by a metric filter on each HTTP function's log
 * group, one alarm for all; the designed 503 and 504 are not counted) and a saga step retries the
 * record (the queue-age and dead-letter alarms). deploy/stage-plugin.ts adds them: serverless.yml's
 * variables cannot list the functions (the replay's schedule itself reads custom.stage).
 */
export function functionAlarms(functionKeys: string[], httpFunctionKeys: string[] = []): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const key of functionKeys) {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(key) } }];
    if (key !== REPLAY_FUNCTION) {
      resources[`${functionLogicalId(key)}ErrorsAlarm`] = aboveZero(
        `${key}-errors`,
        `Invocations of ${key} failed (Lambda Errors > 0). See README "Logs and metrics".`,
        single('AWS/Lambda', 'Errors', dimensions, 'Sum', 60),
      );
    }
    resources[`${functionLogicalId(key)}ThrottlesAlarm`] = aboveZero(
      `${key}-throttles`,
      `Invocations of ${key} were throttled (Lambda Throttles > 0): its reserved concurrency or the account's quota is spent. See docs/deploy.md.`,
      single('AWS/Lambda', 'Throttles', dimensions, 'Sum', 60),
    );
  }
  for (const key of httpFunctionKeys) {
    resources[`${functionLogicalId(key)}ServerErrorsFilter`] = {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: { Ref: `${functionLogicalId(key).replace(/LambdaFunction$/, '')}LogGroup` },
        FilterPattern: SERVER_ERROR_PATTERN,
        MetricTransformations: [{ MetricNamespace: NAMESPACE, MetricName: SERVER_ERRORS_METRIC, MetricValue: '1', DefaultValue: 0 }],
      },
    };
  }
  if (httpFunctionKeys.length > 0) {
    resources.ServerErrorsAlarm = aboveZero(
      'api-500',
      'A route answered 500: an unexpected failure (ServerErrors > 0; the designed 503 and 504 are not counted). See README "Logs and metrics".',
      single(NAMESPACE, SERVER_ERRORS_METRIC, [], 'Sum', 60),
    );
  }
  return resources;
}
