import middy from '@middy/core';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseSagaMessage, type SagaMessage, type StepOutcome } from '../domain/checkout';
import { crashPoint } from './faults';
import { traceHop } from './trace';
import { emitMetrics, MetricUnit, withInvocationLog, type InvocationContext } from './observability';
import { loadRedisAuth } from '../clients/redis-auth';
import { sendToStep } from '../saga/queues';
import { SAGA } from '../saga/definition';
import { retryAfterBackoff } from '../saga/retry';
import { nextMessage, type StepName } from '../saga/steps';

/**
 * The declared `maxReceiveCount` of every saga queue: a message whose delivery number this is
 * and which fails again goes to the dead-letter queue instead of coming back
 * (test/deploy/alarms.test.ts checks the template agrees).
 */
export const MAX_RECEIVE_COUNT = SAGA.queues.maxReceiveCount;

export type RecordOutcome = StepOutcome['status'] | 'failed';

const receiveCount = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? 0);

/**
 * The middy chain of every saga step. Each record is handled on its own: parse, run the step
 * (idempotent, keyed by saga and step), send the next step's message. A record that fails at any
 * point is reported in batchItemFailures, so only it comes back, after a short backoff rather than
 * the queue's visibility timeout (lib/saga/retry.ts); the step's marker makes the retry safe even
 * when the failure came after the step's write.
 *
 * Its log lines carry the request id and each record's message, saga and order ids; its metrics
 * are each record's latency and outcome (StepLatency, StepOutcome by Step and Outcome) and the
 * messages that go to the dead-letter queue (DeadLetterRisk), which Lambda cannot see.
 */
export function sagaStep(step: StepName, run: (message: SagaMessage, delivery: string) => Promise<StepOutcome>) {
  // Without the Redis token nothing can be handled: that fails the whole batch, to be retried.
  return middy<SQSEvent, SQSBatchResponse, Error, InvocationContext>()
    .use(withInvocationLog())
    .use(loadRedisAuth())
    .handler(async (event, context) => {
      const failures: SQSBatchItemFailure[] = [];
      const failedRecords: SQSRecord[] = [];
      const latencies = new Map<RecordOutcome, number[]>();
      let toDeadLetters = 0;
      await Promise.all(
        event.Records.map(async (record: SQSRecord) => {
          const started = performance.now();
          let log = context.log.with({ messageId: record.messageId });
          let outcome: RecordOutcome;
          try {
            const message = parseSagaMessage(record.body);
            log = log.with({ sagaId: message.sagaId, orderId: message.orderId });
            traceHop?.('step-start', record.messageId, message.sagaId, step);
            const result = await run(message, `message ${record.messageId}, receive ${record.attributes?.ApproximateReceiveCount ?? '?'}`);
            outcome = result.status;
            traceHop?.('step-done', message.sagaId, step);
            if (outcome === 'expired') log.warn(`${step}: the message came after its saga's deadline and grace; refused unhandled`);
            const next = nextMessage(step, message, result);
            crashPoint('after-write-before-send', log);
            if (next) {
              traceHop?.('sending', message.sagaId, next.step);
              await sendToStep(next.step, next.message);
              traceHop?.('sent', message.sagaId, next.step);
            }
            log.debug(`${step}: ${outcome}`);
          } catch (error) {
            outcome = 'failed';
            const last = receiveCount(record) >= MAX_RECEIVE_COUNT;
            if (last) toDeadLetters += 1;
            const what = last ? 'failed its last delivery and goes to the dead-letter queue' : 'failed and will be retried';
            log.error(`${step}: the message ${what}`, { receiveCount: receiveCount(record), error });
            failures.push({ itemIdentifier: record.messageId });
            failedRecords.push(record);
          }
          const took = performance.now() - started;
          latencies.set(outcome, [...(latencies.get(outcome) ?? []), took]);
        }),
      );
      for (const [outcome, took] of latencies) {
        emitMetrics(
          { Step: step, Outcome: outcome },
          { StepOutcome: [MetricUnit.Count, took.length], StepLatency: [MetricUnit.Milliseconds, took] },
        );
      }
      if (toDeadLetters > 0) emitMetrics({ Step: step }, { DeadLetterRisk: [MetricUnit.Count, toDeadLetters] });
      await retryAfterBackoff(step, failedRecords, context.log);
      // The event source deletes the handled messages once this returns.
      if (failures.length < event.Records.length) crashPoint('after-send-before-delete', context.log);
      return { batchItemFailures: failures };
    });
}
