import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '@lib/lambda/observability';
import { closeRedisClients } from '@lib/clients/redis';
import { handler as reserveStock } from '../../../functions/saga/reserve-stock';
import { testSqs, useStepQueues } from '../../support/saga-queues';
import { configureTest } from '../../support/config';

// A record a step fails comes back after a short backoff, not after the queue's visibility
// timeout (60 s on AWS, three times the checkout's 20 s wait): the step changes its visibility on
// its own queue, against the project's real SQS endpoint here. (The backoff schedule itself:
// test/unit/saga/retry-backoff.test.ts.)

const sqs = testSqs();
type Handler = (event: SQSEvent, context: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
const reserve = reserveStock as unknown as Handler;

afterAll(async () => {
  sqs.destroy();
  await closeRedisClients();
});

const asRecord = (message: Message, queueArn: string): SQSRecord =>
  ({
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: { ApproximateReceiveCount: message.Attributes!.ApproximateReceiveCount! },
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
  }) as unknown as SQSRecord;

describe('the retry of a failed record', () => {
  it("comes back after its backoff, long before the queue's 60 s visibility timeout, with its receive count", async () => {
    await useStepQueues(sqs, `retry-${process.env.JEST_WORKER_ID}`);
    // The step's own queue as on AWS: a 60 s visibility timeout.
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `retry-${process.env.JEST_WORKER_ID}-own`,
        Attributes: { VisibilityTimeout: '60' },
      }),
    );
    configureTest({ RESERVE_STOCK_QUEUE_URL: QueueUrl! });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'not a saga message' }));
    const receive = (wait: number) =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
    const { Messages: [first] = [] } = await receive(5);
    expect(first.Attributes?.ApproximateReceiveCount).toBe('1');

    const quiet = jest.spyOn(logger, 'error').mockImplementation(() => {});
    const warned = jest.spyOn(logger, 'warn');
    const result = await reserve({ Records: [asRecord(first, Attributes!.QueueArn!)] }, {});
    quiet.mockRestore();
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: first.MessageId }]);
    expect(warned).not.toHaveBeenCalled();
    warned.mockRestore();

    // Without the backoff this long poll (the checkout's whole wait) ends empty: the message is
    // hidden for 60 s.
    const { Messages: [again] = [] } = await receive(20);
    expect(again?.MessageId).toBe(first.MessageId);
    expect(again.Attributes?.ApproximateReceiveCount).toBe('2');
  });
});
