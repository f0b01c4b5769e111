import middy from '@middy/core';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseSagaMessage, type SagaMessage } from './domain/checkout';
import { crashPoint } from './faults';
import { loadRedisAuth } from './redis-auth';
import { sendToStep } from './saga/queues';
import { nextMessage, type StepName, type StepOutcome } from './saga/steps';

/**
 * The middy chain of every saga step. Each record is handled on its own: parse, run the step
 * (idempotent, keyed by saga and step), send the next step's message. A record that fails at any
 * point is reported in batchItemFailures, so only it comes back after the visibility timeout; the
 * step's marker makes the retry safe even when the failure came after the step's write.
 */
export function sagaStep(step: StepName, run: (message: SagaMessage, delivery: string) => Promise<StepOutcome>) {
  // Without the Redis token nothing can be handled: that fails the whole batch, to be retried.
  return middy<SQSEvent, SQSBatchResponse>().use(loadRedisAuth()).handler(async (event) => {
    const failures: SQSBatchItemFailure[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const message = parseSagaMessage(record.body);
          const outcome = await run(message, `message ${record.messageId}, receive ${record.attributes?.ApproximateReceiveCount ?? '?'}`);
          if (outcome.status === 'expired') {
            console.warn(`${step}: message ${record.messageId} of saga ${message.sagaId} came after its deadline and grace; refused unhandled`);
          }
          const next = nextMessage(step, message, outcome);
          crashPoint('after-write-before-send');
          if (next) await sendToStep(next.step, next.message);
        } catch (error) {
          console.error(`${step}: message ${record.messageId} failed and will be retried`, error);
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  });
}
