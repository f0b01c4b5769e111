// Each saga queue's depth and its dead-letter queue's, and moving dead-lettered messages back.
// Through the functions' own SQS client (lib/clients/sqs.ts) and queue URLs (the *_QUEUE_URL variables).
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { config } from '../clients/config';
import { STEP_NAMES, type StepName } from './steps';
import { sqsClient } from '../clients/sqs';

export interface Depth {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
  error?: string;
}

export interface QueueDepths {
  step: StepName;
  queue: Depth;
  dlq: Depth;
}

const nameOf = (url: string) => url.split('/').pop() ?? url;
const dlqUrls = new Map<StepName, string>();

/** The dead-letter queue of a step's queue, from its redrive policy (else the `-dlq` name beside it). */
async function dlqUrl(step: StepName, queueUrl: string): Promise<string> {
  const known = dlqUrls.get(step);
  if (known) return known;
  let url = `${queueUrl}-dlq`;
  const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  const arn = Attributes?.RedrivePolicy ? (JSON.parse(Attributes.RedrivePolicy).deadLetterTargetArn as string | undefined) : undefined;
  if (arn) url = (await sqsClient().send(new GetQueueUrlCommand({ QueueName: arn.split(':').pop()! }))).QueueUrl ?? url;
  dlqUrls.set(step, url);
  return url;
}

async function depth(url: string): Promise<Depth> {
  try {
    const { Attributes = {} } = await sqsClient().send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const count = (name: string) => Number(Attributes[name as keyof typeof Attributes] ?? 0);
    return {
      name: nameOf(url),
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  } catch (error) {
    return {
      name: nameOf(url),
      visible: 0,
      inFlight: 0,
      delayed: 0,
      error: (error as Error).name || (error as Error).message,
    };
  }
}

export async function queueDepths(): Promise<QueueDepths[]> {
  const urls = config.queueUrls;
  return Promise.all(
    STEP_NAMES.map(async (step) => {
      const dlq = await dlqUrl(step, urls[step]).catch(() => `${urls[step]}-dlq`);
      const [queue, dead] = await Promise.all([depth(urls[step]), depth(dlq)]);
      return { step, queue, dlq: dead };
    }),
  );
}

export interface RedriveResult {
  step: StepName;
  moved: number;
  failed: number;
}

/**
 * Moves up to `limit` messages from a step's dead-letter queue back to its queue: receive, send
 * to the queue, delete from the DLQ only what was sent. A message sent back runs its step again
 * (idempotent by saga and step); one older than its saga's deadline plus the grace is refused
 * unhandled there, since recovery owns that saga by then.
 */
export async function redrive(step: StepName, limit = 1_000): Promise<RedriveResult> {
  const urls = config.queueUrls;
  const from = await dlqUrl(step, urls[step]);
  let moved = 0;
  let failed = 0;
  while (moved + failed < limit) {
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: Math.min(10, limit - moved - failed),
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    if (Messages.length === 0) break;
    const { Successful = [], Failed = [] } = await sqsClient().send(
      new SendMessageBatchCommand({
        QueueUrl: urls[step],
        Entries: Messages.map((message, index) => ({ Id: String(index), MessageBody: message.Body ?? '' })),
      }),
    );
    failed += Failed.length;
    const sent = Successful.map((entry) => Messages[Number(entry.Id)]);
    if (sent.length > 0) {
      await sqsClient().send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: sent.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
    moved += sent.length;
    // What failed to send stays in the DLQ, visible again after 30 s: stop rather than spin on it.
    if (Failed.length > 0) break;
  }
  return { step, moved, failed };
}

export const isStep = (value: string): value is StepName => (STEP_NAMES as readonly string[]).includes(value);
