import { SQS_MESSAGE_BYTES, type SagaMessage } from '../domain/checkout';
import { config } from '../clients/config';
import { sagaSqsClient } from '../clients/sqs';
import type { StepName } from './steps';

/** SQS's limits: a message (body + attributes) of at most 1 MiB, and ten of them per request. */
export const MAX_MESSAGE_BYTES = SQS_MESSAGE_BYTES;
/** SQS refuses a whole SendMessageBatch (BatchRequestTooLong) whose messages add up to more. */
export const MAX_BATCH_BYTES = 1_048_576;
const BATCH_LIMIT = 10;

interface Pending {
  body: string;
  /** UTF-8 bytes of the body: what SQS counts (these messages carry no attributes). */
  size: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const pendingByQueue = new Map<string, Pending[]>();

/**
 * Splits messages, in order, into requests SQS accepts: at most ten each, and at most
 * MAX_BATCH_BYTES together. One request too many is cheap; one refused request fails all of its
 * messages, again on every retry.
 */
export function packBatches<T extends { size: number }>(messages: T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (batch.length === BATCH_LIMIT || (batch.length > 0 && bytes + message.size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

async function flush(queueUrl: string): Promise<void> {
  const pending = pendingByQueue.get(queueUrl) ?? [];
  pendingByQueue.delete(queueUrl);
  for (const chunk of packBatches(pending)) {
    try {
      const { Failed } = await sagaSqsClient().sendMessageBatch({
        QueueUrl: queueUrl,
        Entries: chunk.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
      });
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
 * turn of the event loop travel together in SendMessageBatch calls: up to ten, and up to 1 MiB,
 * per request. A message SQS could never take is refused here, alone, before any request.
 */
export function sendToStep(step: StepName, message: SagaMessage): Promise<void> {
  const queueUrl = config.queueUrls[step];
  const body = JSON.stringify(message);
  const size = Buffer.byteLength(body, 'utf8');
  if (size > MAX_MESSAGE_BYTES) {
    return Promise.reject(
      new Error(
        `The ${step} message of saga ${message.sagaId} is ${size} bytes; SQS takes at most ${MAX_MESSAGE_BYTES} bytes per message, so it was not sent.`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let pending = pendingByQueue.get(queueUrl);
    if (!pending) {
      pending = [];
      pendingByQueue.set(queueUrl, pending);
      setImmediate(() => void flush(queueUrl));
    }
    pending.push({ body, size, resolve, reject });
  });
}
