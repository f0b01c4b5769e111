// What the SQS event sources do, driven by the test: deliver each step queue's messages to the
// real step handlers, delete the handled ones, and let a failed one come back (after 1 s).
import type { SQSEvent } from 'aws-lambda';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { STEP_NAMES, type StepName } from '@lib/saga/steps';
import { handler as chargePayment } from '../../functions/saga/charge-payment';
import { handler as completeOrder } from '../../functions/saga/complete-order';
import { handler as releaseStock } from '../../functions/saga/release-stock';
import { handler as reserveStock } from '../../functions/saga/reserve-stock';

type Handler = (event: SQSEvent, context: unknown) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
const HANDLERS: Record<StepName, Handler> = {
  'reserve-stock': reserveStock as unknown as Handler,
  'charge-payment': chargePayment as unknown as Handler,
  'complete-order': completeOrder as unknown as Handler,
  'release-stock': releaseStock as unknown as Handler,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function sagaPump(sqs: SQSClient, queues: Record<StepName, string>) {
  /** Delivers the messages waiting in one step's queue to its handler; a failed one comes back after 1 s. */
  async function deliver(step: StepName): Promise<{ handled: number; failed: number }> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues[step],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 1,
      }),
    );
    if (Messages.length === 0) return { handled: 0, failed: 0 };
    const records = Messages.map((message) => ({
      messageId: message.MessageId!,
      body: message.Body!,
      attributes: { ApproximateReceiveCount: '1' },
    }));
    const { batchItemFailures } = await HANDLERS[step]({ Records: records } as unknown as SQSEvent, {});
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    for (const message of Messages) {
      if (!failed.has(message.MessageId!))
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queues[step], ReceiptHandle: message.ReceiptHandle! }));
    }
    return { handled: Messages.length, failed: failed.size };
  }

  /** Delivers every queue's messages until `done` (bounded: a saga that never settles fails the test). */
  async function pumpUntil(
    done: () => Promise<boolean> | boolean,
    beforeStep: (step: StepName) => Promise<void> = async () => {},
  ): Promise<void> {
    for (let round = 0; round < 300; round++) {
      if (await done()) return;
      for (const step of STEP_NAMES) {
        await beforeStep(step);
        await deliver(step);
      }
      await sleep(20);
    }
    throw new Error('the saga never settled');
  }

  /** How many messages wait (visible) in a step's queue. */
  const waiting = async (step: StepName) =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queues[step],
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );

  return { deliver, pumpUntil, waiting };
}

export type SagaPump = ReturnType<typeof sagaPump>;
