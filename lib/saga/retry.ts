import type { SQSRecord } from 'aws-lambda';
import { config } from '../clients/config';
import type { Log } from '../lambda/observability';
import { sagaSqsClient } from '../clients/sqs';
import { SAGA } from './definition';
import type { StepName } from './steps';

// A record a step fails comes back when its visibility timeout ends: on AWS 60 s after it was
// received, three times the checkout's 20 s wait, so a transient failure (a Redis failover, a
// throttled send) would answer 504. The step shortens that wait to a backoff instead, on its own
// queue, with the receipt handle Lambda's event source gave it (the right to do so is in the step
// function's role: deploy/saga-template.ts).

const MAX_ENTRIES = 10;

interface RetryPolicy {
  backoff: readonly number[];
  maxReceiveCount: number;
  /** The queue's visibility timeout: a retry never waits longer than the queue would have. */
  longest: number;
}

/**
 * Seconds before the next delivery of a record that failed its `receiveCount`-th delivery: the
 * declaration's backoff for that delivery, its last entry after that. After the last delivery the
 * message goes to the dead-letter queue on its next receive: 0, so it goes at once.
 */
export function retryDelaySeconds(receiveCount: number, policy: Partial<RetryPolicy> = {}): number {
  const { backoff = SAGA.queues.retryBackoffSeconds, maxReceiveCount = SAGA.queues.maxReceiveCount, longest = Infinity } = policy;
  if (receiveCount >= maxReceiveCount) return 0;
  const index = Math.min(Math.max(receiveCount, 1), backoff.length) - 1;
  return Math.min(backoff[index] ?? 0, longest);
}

const receiveCountOf = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? 1);

/**
 * Makes the failed records of a batch visible again after their backoff, never later than the
 * queue's own visibility timeout would have (a local stage may shorten that to seconds). Best effort: a record
 * whose change fails (a stale receipt handle, a missing right, SQS unreachable) keeps the queue's
 * visibility timeout, which is what it would have had anyway; it is logged, never thrown.
 */
export async function retryAfterBackoff(step: StepName, failed: SQSRecord[], log: Log): Promise<void> {
  if (failed.length === 0) return;
  const queueUrl = config.queueUrls[step];
  for (let start = 0; start < failed.length; start += MAX_ENTRIES) {
    const chunk = failed.slice(start, start + MAX_ENTRIES);
    try {
      const { Failed } = await sagaSqsClient().changeMessageVisibilityBatch({
        QueueUrl: queueUrl,
        Entries: chunk.map((record, index) => ({
          Id: String(index),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: retryDelaySeconds(receiveCountOf(record), {
            longest: config.queueVisibilityTimeoutSeconds,
          }),
        })),
      });
      for (const failure of Failed) {
        log.warn(`${step}: the retry of a failed message keeps the queue's visibility timeout`, {
          messageId: chunk[Number(failure.Id)]?.messageId,
          code: failure.Code,
        });
      }
    } catch (error) {
      log.warn(`${step}: the retries of ${chunk.length} failed message(s) keep the queue's visibility timeout`, { error: error as Error });
    }
  }
}
