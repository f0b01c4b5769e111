import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SagaMessage } from '../domain/checkout';
import { sqs } from '../sqs';
import { readQueueUrls } from './queues-config';
import type { StepName } from './steps';

const queueUrls = readQueueUrls(process.env);

interface Pending {
  body: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

const BATCH_LIMIT = 10;
const pendingByQueue = new Map<string, Pending[]>();

async function flush(queueUrl: string): Promise<void> {
  const pending = pendingByQueue.get(queueUrl) ?? [];
  pendingByQueue.delete(queueUrl);
  for (let start = 0; start < pending.length; start += BATCH_LIMIT) {
    const chunk = pending.slice(start, start + BATCH_LIMIT);
    try {
      const { Failed = [] } = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })) }),
      );
      const failed = new Map(Failed.map((failure) => [Number(failure.Id), failure]));
      chunk.forEach((entry, index) => {
        const failure = failed.get(index);
        if (failure) entry.reject(new Error(`SQS refused a message: ${failure.Code} ${failure.Message ?? ''}`));
        else entry.resolve();
      });
    } catch (error) {
      for (const entry of chunk) entry.reject(error as Error);
    }
  }
}

/**
 * Sends a saga message to a step's queue. Messages sent by concurrent invocations in the same
 * turn of the event loop travel together in SendMessageBatch calls: one request for up to ten.
 */
export function sendToStep(step: StepName, message: SagaMessage): Promise<void> {
  const queueUrl = queueUrls[step];
  return new Promise((resolve, reject) => {
    let pending = pendingByQueue.get(queueUrl);
    if (!pending) {
      pending = [];
      pendingByQueue.set(queueUrl, pending);
      setImmediate(() => void flush(queueUrl));
    }
    pending.push({ body: JSON.stringify(message), resolve, reject });
  });
}
