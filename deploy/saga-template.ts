// serverless.yml's saga, generated from a declaration (lib/saga/definition.ts) by deploy/saga.cjs:
// one function per step on its own queue, each queue with its dead-letter queue, every function's
// right to send exactly where the declaration says it sends, and the queue URLs every function
// reads. Pure: a function of the declaration and the stage, so a test can build it for any saga.
import { resolve } from 'node:path';
import {
  SAGA,
  checkSaga,
  deadLetterQueueNameOf,
  functionKeyOf,
  nextStepsOf,
  queueNameOf,
  queueUrlVariable,
  stepNamesOf,
  type SagaDeclaration,
} from '../lib/saga/definition';

export interface SagaTemplateInput {
  stage: string;
  /** The stage's visibility timeout (deploy/stage-settings.ts), in seconds. */
  visibilityTimeout: number;
  /** AWS stages: each step function's reserved concurrency and its mapping's MaximumConcurrency,
   * and each sender's reserved concurrency (deploy/stage-settings.ts); elsewhere unbounded. */
  concurrency?: ConcurrencyBounds | null;
  /** Keep the dead-letter queues (and the messages an operator still has to look at) when the
   * stack is deleted or a queue replaced; default true. */
  retainDeadLetterQueues?: boolean;
}

export interface ConcurrencyBounds {
  perStep: number;
  senders: Record<string, number>;
}

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
/** The template's logical ids of a step's queue and dead-letter queue: ReserveStockQueue, ReserveStockDlq. */
export const queueLogicalId = (step: string) => `${pascal(step)}Queue`;
export const deadLetterLogicalId = (step: string) => `${pascal(step)}Dlq`;

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** serverless-iam-roles-per-function statements: SendMessage on each of these steps' queues. */
export const sendRights = (steps: readonly string[]) =>
  steps.map((step) => ({
    Effect: 'Allow',
    Action: 'sqs:SendMessage',
    Resource: arnOf(queueLogicalId(step)),
  }));

/** Fails packaging with every problem of the declaration at once. */
function checked(saga: SagaDeclaration): SagaDeclaration {
  const problems = checkSaga(saga);
  if (problems.length > 0)
    throw new Error(`The saga's declaration is inconsistent:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return saga;
}

/** A step's right to shorten the wait of a record it failed on its own queue (lib/saga/retry.ts). */
export const retryRight = (step: string) => ({
  Effect: 'Allow',
  Action: 'sqs:ChangeMessageVisibility',
  Resource: arnOf(queueLogicalId(step)),
});

/** Each step's function: its handler, its queue as its event source, its send rights and the
 * right to retry on its own queue (the plugin adds the right to consume it for the sqs event),
 * and where the stage bounds them, its reserved concurrency and its mapping's. */
export function stepFunctions(saga: SagaDeclaration, concurrency?: ConcurrencyBounds | null): Record<string, unknown> {
  return Object.fromEntries(
    stepNamesOf(checked(saga)).map((step) => [
      functionKeyOf(step),
      {
        handler: saga.steps[step].handler,
        iamRoleStatements: [...sendRights(nextStepsOf(saga, step)), retryRight(step)],
        // The mapping never invokes more at once than the function reserves: no throttled batches.
        ...(concurrency ? { reservedConcurrency: concurrency.perStep } : {}),
        events: [
          {
            sqs: {
              arn: arnOf(queueLogicalId(step)),
              batchSize: saga.queues.batchSize,
              maximumBatchingWindow: 0,
              functionResponseType: 'ReportBatchItemFailures',
              ...(concurrency ? { maximumConcurrency: concurrency.perStep } : {}),
            },
          },
        ],
      },
    ]),
  );
}

/** The send rights of the functions that send into the saga from outside it, by function key. */
export function senderRights(saga: SagaDeclaration): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(checked(saga).senders).map(([key, sender]) => [key, sendRights(sender.sendsTo)]));
}

/** A dead-letter queue holds what failed for an operator to look at: removing the stack, or an
 * update that replaces the queue, must not take those messages with it. */
const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };

/** Every step's queue, redriving to its dead-letter queue after maxReceiveCount deliveries. */
export function queueResources(saga: SagaDeclaration, input: SagaTemplateInput): Record<string, unknown> {
  return Object.fromEntries(
    stepNamesOf(checked(saga)).flatMap((step) => [
      [
        queueLogicalId(step),
        {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: queueNameOf(saga, input.stage, step),
            VisibilityTimeout: input.visibilityTimeout,
            RedrivePolicy: {
              deadLetterTargetArn: arnOf(deadLetterLogicalId(step)),
              maxReceiveCount: saga.queues.maxReceiveCount,
            },
          },
        },
      ],
      [
        deadLetterLogicalId(step),
        {
          Type: 'AWS::SQS::Queue',
          ...(input.retainDeadLetterQueues === false ? {} : RETAIN),
          Properties: {
            QueueName: deadLetterQueueNameOf(saga, input.stage, step),
            MessageRetentionPeriod: saga.queues.deadLetterRetentionSeconds,
          },
        },
      ],
    ]),
  );
}

/** RESERVE_STOCK_QUEUE_URL: { Ref: ReserveStockQueue }, ... (a queue's Ref is its URL). */
export function queueUrlEnvironment(saga: SagaDeclaration): Record<string, { Ref: string }> {
  return Object.fromEntries(stepNamesOf(saga).map((step) => [queueUrlVariable(step), { Ref: queueLogicalId(step) }]));
}

/** What serverless.yml takes from deploy/saga.cjs. */
export function sagaTemplate(saga: SagaDeclaration, input: SagaTemplateInput) {
  return {
    functions: stepFunctions(saga, input.concurrency),
    senderRights: senderRights(saga),
    resources: { Resources: queueResources(saga, input) },
  };
}

/**
 * The declaration serverless.yml is built from: lib/saga/definition.ts, or for a test, the module
 * SAGA_DECLARATION names (relative to the project) exporting `saga` (test/deploy/add-a-step.test.ts).
 */
export function loadSagaDeclaration(env: NodeJS.ProcessEnv, projectDir: string): SagaDeclaration {
  const override = env.SAGA_DECLARATION?.trim();
  if (!override) return SAGA;
  const { saga } = require(resolve(projectDir, override)) as { saga?: SagaDeclaration };
  if (!saga) throw new Error(`SAGA_DECLARATION names ${override}, which exports no \`saga\``);
  return saga;
}
