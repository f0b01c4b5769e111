// The CloudWatch dashboard of an AWS stage, generated from the saga's declaration
// (lib/saga/definition.ts): what the operator looks at first. A step added to the declaration
// gets its widgets (outcomes, latency, its function's throttles) and its queue's (depth, oldest
// message, dead letters) with no change here. The application's metrics are the EMF readings the
// functions print (lib/lambda/observability.ts, namespace "sagashop", `service` = the function's key):
//   Checkouts and CheckoutLatency by Verdict (lib/saga/checkout.ts), StepOutcome and StepLatency by
//   Step and Outcome, DeadLetterRisk by Step (lib/lambda/saga-step.ts), ReplayActions by Action and the
//   replay's gauges (lib/saga/replay-metrics.ts). SEARCH expressions list whatever verdicts,
//   outcomes and actions occurred, so a new outcome needs no change either.
import { deadLetterQueueNameOf, functionKeyOf, queueNameOf, stepNamesOf, type SagaDeclaration } from '../lib/saga/definition';
import { NAMESPACE, REPLAY_FUNCTION } from './alarms';

export const DASHBOARD = 'OperationsDashboard';
const CHECKOUT_FUNCTION = 'checkout';
const WIDTH = 24;

export interface DashboardInput {
  saga: SagaDeclaration;
  stage: string;
  /** serverless.yml's service name: the functions are named `<service>-<stage>-<key>`. */
  service?: string;
}

type Metric = unknown[];
export interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const search = (id: string, expression: string, label?: string): Metric => [{ id, expression, ...(label ? { label } : {}) }];
const region = '${AWS::Region}';

function metricWidget(
  title: string,
  metrics: Metric[],
  extra: Record<string, unknown> = {},
): Omit<Widget, 'x' | 'y' | 'width'> & { width?: number } {
  return {
    type: 'metric',
    height: 6,
    properties: { title, region, view: 'timeSeries', stacked: false, period: 60, metrics, ...extra },
  };
}

/** Each step: what its records came to, how long they took, and its function being throttled. */
function stepWidgets(input: DashboardInput, step: string) {
  const functionName = `${input.service ?? 'sagashop'}-${input.stage}-${functionKeyOf(step)}`;
  const dims = `{${NAMESPACE},Outcome,Step,service} Step="${step}"`;
  return [
    metricWidget(`Step ${step}: outcomes per minute`, [search('o', `SEARCH('${dims} MetricName="StepOutcome"', 'Sum', 60)`)], {
      stacked: true,
    }),
    metricWidget(`Step ${step}: latency p50 / p99 (ms)`, [
      search('p50', `SEARCH('${dims} MetricName="StepLatency"', 'p50', 60)`),
      search('p99', `SEARCH('${dims} MetricName="StepLatency"', 'p99', 60)`),
    ]),
    metricWidget(`Step ${step}: throttles, errors, concurrency`, [
      ['AWS/Lambda', 'Throttles', 'FunctionName', functionName, { stat: 'Sum' }],
      ['AWS/Lambda', 'Errors', 'FunctionName', functionName, { stat: 'Sum' }],
      ['AWS/Lambda', 'ConcurrentExecutions', 'FunctionName', functionName, { stat: 'Maximum' }],
    ]),
  ];
}

/** Each step's queue and its dead-letter queue: depth, in flight, the oldest message's age. */
function queueWidgets(input: DashboardInput, step: string) {
  const queue = queueNameOf(input.saga, input.stage, step);
  const dlq = deadLetterQueueNameOf(input.saga, input.stage, step);
  return [
    metricWidget(`Queue ${queue}: depth`, [
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue, { stat: 'Maximum', label: 'waiting' }],
      ['AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'QueueName', queue, { stat: 'Maximum', label: 'in flight' }],
    ]),
    metricWidget(`Queue ${queue}: oldest message age (s)`, [
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', queue, { stat: 'Maximum' }],
    ]),
    metricWidget(`Queue ${dlq}: dead letters`, [
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlq, { stat: 'Maximum', label: 'dead letters' }],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', dlq, { stat: 'Maximum', label: 'oldest (s)', yAxis: 'right' }],
    ]),
  ];
}

function overviewWidgets(input: DashboardInput) {
  const prefix = `${input.service ?? 'sagashop'}-${input.stage}-`;
  const checkout = `{${NAMESPACE},Verdict,service} service="${CHECKOUT_FUNCTION}"`;
  const replay = `{${NAMESPACE},Action,service} service="${REPLAY_FUNCTION}"`;
  return [
    metricWidget('Checkouts by verdict per minute', [search('v', `SEARCH('${checkout} MetricName="Checkouts"', 'Sum', 60)`)], {
      stacked: true,
    }),
    metricWidget('Checkout latency p50 / p99 (ms), by verdict', [
      search('p50', `SEARCH('${checkout} MetricName="CheckoutLatency"', 'p50', 60)`),
      search('p99', `SEARCH('${checkout} MetricName="CheckoutLatency"', 'p99', 60)`),
    ]),
    metricWidget('API requests and errors', [
      ['AWS/ApiGateway', 'Count', 'ApiId', '${HttpApi}', { stat: 'Sum' }],
      ['AWS/ApiGateway', '4xx', 'ApiId', '${HttpApi}', { stat: 'Sum' }],
      ['AWS/ApiGateway', '5xx', 'ApiId', '${HttpApi}', { stat: 'Sum' }],
    ]),
    metricWidget(
      'Throttles, every function of the stage',
      [search('t', `SEARCH('{AWS/Lambda,FunctionName} MetricName="Throttles" FunctionName="${prefix}"', 'Sum', 60)`)],
      {
        stacked: true,
      },
    ),
    metricWidget('Replay actions', [search('a', `SEARCH('${replay} MetricName="ReplayActions"', 'Sum', 300)`)], {
      stacked: true,
      period: 300,
    }),
    metricWidget('Replay: failures, open sagas past their deadline, backlog', [
      [NAMESPACE, 'ReplayFailed', 'service', REPLAY_FUNCTION, { stat: 'Sum', period: 300 }],
      [NAMESPACE, 'OpenSagasPastDeadline', 'service', REPLAY_FUNCTION, { stat: 'Maximum', period: 300 }],
      [NAMESPACE, 'ReplayBacklogLeft', 'service', REPLAY_FUNCTION, { stat: 'Maximum', period: 300 }],
    ]),
    metricWidget(
      'Records failing their last delivery, by step',
      [search('d', `SEARCH('{${NAMESPACE},Step,service} MetricName="DeadLetterRisk"', 'Sum', 60)`)],
      { stacked: true },
    ),
  ];
}

/** The widgets, laid out three to a row (8 columns each) under a title per section. */
export function dashboardWidgets(input: DashboardInput): Widget[] {
  const sections: [string, ReturnType<typeof metricWidget>[]][] = [
    [`sagashop ${input.stage}: checkouts, API, throttles, replay`, overviewWidgets(input)],
    ...stepNamesOf(input.saga).map((step): [string, ReturnType<typeof metricWidget>[]] => [
      `Step ${step} and its queue`,
      [...stepWidgets(input, step), ...queueWidgets(input, step)],
    ]),
  ];
  const widgets: Widget[] = [];
  let y = 0;
  for (const [title, section] of sections) {
    widgets.push({ type: 'text', x: 0, y, width: WIDTH, height: 1, properties: { markdown: `## ${title}` } });
    y += 1;
    section.forEach((widget, index) => {
      widgets.push({ ...widget, x: (index % 3) * 8, y: y + Math.floor(index / 3) * 6, width: 8 });
    });
    y += Math.ceil(section.length / 3) * 6;
  }
  return widgets;
}

/** The dashboard resource; its body is a Fn::Sub string (the region and the HTTP API's id). */
export function dashboardResources(input: DashboardInput): Record<string, unknown> {
  return {
    [DASHBOARD]: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: { 'Fn::Sub': '${AWS::StackName}-operations' },
        DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets: dashboardWidgets(input) }) },
      },
    },
  };
}
