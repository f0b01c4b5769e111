import { CreateQueueCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STEP_NAMES, type StepName } from '@lib/saga/steps';
import { queueUrlVariable } from '@lib/saga/queues-config';
import { configureTest } from './config';

export const testSqs = () =>
  new SQSClient({
    endpoint: process.env.SQS_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

/** Creates one queue per saga step for this test file and points the saga's configuration at them. */
export async function useStepQueues(sqs: SQSClient, prefix: string): Promise<Record<StepName, string>> {
  const urls = {} as Record<StepName, string>;
  for (const step of STEP_NAMES) {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${prefix}-${step}`, Attributes: { VisibilityTimeout: '30' } }),
    );
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    urls[step] = QueueUrl!;
  }
  configureTest(Object.fromEntries(STEP_NAMES.map((step) => [queueUrlVariable(step), urls[step]])));
  return urls;
}

/** Every message now waiting in a queue, parsed (and taken off it). */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<any[]> {
  const bodies: any[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => JSON.parse(message.Body!)));
  }
}
