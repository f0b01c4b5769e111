import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SAGA, functionKeyOf, stepNamesOf, type SagaStep } from '../../../lib/saga/definition';
import { queueLogicalId } from '../../../deploy/saga-template';
import type { BundleHost } from './bundle-host';
import { ROUTE_OF, httpEvent, sqsEvent, type PayloadVersion } from './events';

// The shop driven through the packaged functions alone: HTTP functions get API Gateway events,
// and this file plays Lambda's SQS event source for the saga steps: it receives from each step's
// queue on a real SQS endpoint, invokes that step's function with the batch, and deletes what the
// function did not report as failed.

/** Each step's function key, from the declaration: reserve-stock → reserveStock. */
export const STEPS = Object.fromEntries(stepNamesOf(SAGA).map((step) => [step, functionKeyOf(step)])) as Record<SagaStep, string>;
export type Step = SagaStep;

/** The step of each queue's logical id in the template. */
const QUEUE_ID: Record<string, Step> = Object.fromEntries(stepNamesOf(SAGA).map((step) => [queueLogicalId(step), step]));

export async function createStepQueues(sqs: SQSClient, prefix: string): Promise<Record<Step, string>> {
  const urls = {} as Record<Step, string>;
  for (const step of Object.keys(STEPS) as Step[]) {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${prefix}-${step}`, Attributes: { VisibilityTimeout: '60' } }),
    );
    urls[step] = QueueUrl!;
  }
  return urls;
}

/** The template's environment with each `{ Ref: <queue> }` replaced by that queue's URL here. */
export function withQueueUrls(variables: Record<string, unknown>, urls: Record<Step, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(variables)) {
    const ref = (value as { Ref?: string })?.Ref;
    if (typeof value === 'string') env[name] = value;
    else if (ref && QUEUE_ID[ref]) env[name] = urls[QUEUE_ID[ref]];
    else throw new Error(`${name} is ${JSON.stringify(value)}: neither a value nor a queue`);
  }
  return env;
}

export interface Answer {
  status: number;
  body: any;
  contentType: string;
}

/** What a deployed account says instead of the sources: each function's route, each step's
 * queue ARN and its event source mapping's batch size. */
export interface DeployedWiring {
  routes: Record<string, string>;
  sources: Record<Step, { queueArn: string; batchSize: number }>;
}

export class Shop {
  readonly invocations: Record<string, number> = {};

  constructor(
    readonly host: BundleHost,
    private readonly version: PayloadVersion,
    private readonly stage: string,
    private readonly sqs: SQSClient,
    private readonly queues: Record<Step, string>,
    private readonly wiring?: DeployedWiring,
  ) {}

  /** Calls an HTTP function through its route's event and decodes the answer. */
  async call(name: string, params: Record<string, string> = {}): Promise<Answer> {
    const route = this.wiring ? this.wiring.routes[name] : ROUTE_OF[name];
    if (!route) throw new Error(`${name} has no route`);
    const result = await this.host.invoke(name, httpEvent(this.version, route, params, this.stage));
    this.invocations[name] = (this.invocations[name] ?? 0) + 1;
    if (typeof result?.body !== 'string' || typeof result?.statusCode !== 'number')
      throw new Error(`${name} answered ${JSON.stringify(result)}`);
    return {
      status: result.statusCode,
      body: JSON.parse(result.body),
      contentType: String(result.headers?.['Content-Type'] ?? ''),
    };
  }

  /** Hands every waiting message of every step's queue to its function, until `settled` is. */
  async runSaga(settled: Promise<unknown>): Promise<void> {
    let done = false;
    void settled.finally(() => (done = true)).catch(() => {});
    const pump = async (step: Step) => {
      const source = this.wiring?.sources[step];
      while (!done) {
        const { Messages = [] } = await this.sqs.send(
          // One receive returns at most 10 messages, whatever a mapping's batch size.
          new ReceiveMessageCommand({
            QueueUrl: this.queues[step],
            MaxNumberOfMessages: Math.min(source?.batchSize ?? 10, 10),
            WaitTimeSeconds: 1,
          }),
        );
        if (Messages.length === 0) continue;
        const name = STEPS[step];
        const arn = source?.queueArn ?? `arn:aws:sqs:us-east-1:000000000000:${this.queues[step].split('/').pop()}`;
        const result = await this.host.invoke(name, sqsEvent(Messages, arn));
        this.invocations[name] = (this.invocations[name] ?? 0) + 1;
        const failed = new Set((result?.batchItemFailures ?? []).map((failure: { itemIdentifier: string }) => failure.itemIdentifier));
        const handled = Messages.filter((message) => !failed.has(message.MessageId));
        if (handled.length > 0) {
          await this.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queues[step],
              Entries: handled.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
        }
      }
    };
    await Promise.all((Object.keys(STEPS) as Step[]).map(pump));
  }

  /** A checkout through the checkout function, with the saga's steps run as their queues fill. */
  async checkout(orderId: string): Promise<Answer> {
    const answer = this.call('checkout', { order_id: orderId });
    await this.runSaga(answer);
    return answer;
  }
}
