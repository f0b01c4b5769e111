import type { Message, SqsClient } from '@sagashop/sqs-client';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { appendFileSync } from 'node:fs';

export interface EventSourceOptions {
  /** Receives and deletes (@sagashop/sqs-client: the AWS SDK's per-request cost was most of this thread's). */
  sqs: SqsClient;
  /** Returns the current URL of the queue (it may change when the queue is re-created). */
  queueUrl: () => string;
  queueArn: string;
  region: string;
  batchSize: number;
  /** The most batches in flight at once (Lambda's maximumConcurrency). */
  concurrency: number;
  reportBatchItemFailures: boolean;
  invoke: (event: SQSEvent) => Promise<unknown>;
  /** How long one receive waits for a message (Lambda's pollers use 20 s). */
  waitTimeSeconds?: number;
  /** How long handled messages wait to be deleted together (DELETE_WINDOW_MS unless set). */
  deleteWindowMs?: number;
  /** Called when the queue has gone (e.g. the endpoint restarted); should re-create it. */
  onQueueMissing?: () => Promise<void>;
  log?: (message: string) => void;
}

const RETRY_AFTER_ERROR_MS = 1_000;
/**
 * How long handled messages wait to be deleted together. The deletes of consecutive and concurrent
 * batches then share one request (at most 10 entries, as SQS allows): at one checkout at a time,
 * a delete per hop (3 per checkout, each a whole SDK call on this thread, between one hop's answer
 * and the next hop's handler) becomes about one per ten. A message stays in flight this much
 * longer, against a visibility timeout of seconds (2 s in the chaos runs, 30 s by default).
 */
export const DELETE_WINDOW_MS = 100;
const MAX_DELETE_ENTRIES = 10;

/** With SAGASHOP_TRACE_FILE set, each received message's id and time go there (sagashop's
 * `npm run bench -- --profile` follows checkouts hop by hop); without it, nothing is done. */
const traceFile = process.env.SAGASHOP_TRACE_FILE;
const traceReceived = traceFile
  ? (messages: Message[]) => {
      if (messages.length === 0) return;
      const at = (performance.timeOrigin + performance.now()).toFixed(3);
      appendFileSync(traceFile, messages.map((message) => `${at} received ${message.MessageId}\n`).join(''));
    }
  : undefined;

/**
 * How busy this thread's event loop has been since the last look (0..1). Every event source of a
 * thread shares the thread's CPU, so another poller helps only while the loop has time to spare.
 */
export function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  let lastAt = performance.now();
  let value = 0;
  return () => {
    if (performance.now() - lastAt >= 100) {
      const now = performance.eventLoopUtilization();
      value = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      lastAt = performance.now();
    }
    return value;
  };
}
const threadUtilization = loopUtilization();
const SPARE_BELOW = 0.8;
const SATURATED_ABOVE = 0.95;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'offline',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        // The JSON protocol carries a binary value as base64, which is what Lambda's record holds too.
        { dataType: value.DataType, stringValue: value.StringValue, binaryValue: value.BinaryValue },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which received messages may be deleted after an invocation, as Lambda decides it: all of them on
 * success; none if the function failed; all but the reported ones with ReportBatchItemFailures —
 * and none if a report names a message that was not in the batch.
 */
export function messagesToDelete(
  records: SQSRecord[],
  result: { ok: true; value: unknown } | { ok: false },
  reportBatchItemFailures: boolean,
): SQSRecord[] {
  if (!result.ok) return [];
  if (!reportBatchItemFailures) return records;
  const failures = (result.value as SQSBatchResponse | undefined)?.batchItemFailures;
  if (!failures || failures.length === 0) return records;
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    if (!failure?.itemIdentifier || !ids.has(failure.itemIdentifier)) return [];
    failed.add(failure.itemIdentifier);
  }
  return records.filter((record) => !failed.has(record.messageId));
}

/**
 * Lambda's SQS event source, for offline use. Long-polling loops invoke the function with up to
 * `batchSize` messages as soon as any are there, then delete what the function handled. Like
 * Lambda's pollers they scale with the backlog: a loop that receives two full batches in a row
 * starts another (up to `concurrency`) — but only while this thread's CPU has room, since here,
 * unlike on Lambda, every batch shares one thread; a loop retires (down to one) when its long
 * poll comes back empty or the thread is saturated. So a slow, waiting handler gets several
 * batches in flight, and a CPU-bound one keeps fewer, fuller batches.
 * Failed messages stay in the queue and come back after the visibility timeout, so the queue's
 * redrive policy moves them to the dead-letter queue in the end.
 */
export class SqsEventSource {
  private running = false;
  private readonly loops = new Set<Promise<void>>();
  private readonly deletions = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private active = 0;
  private toDelete: SQSRecord[] = [];
  private deleteTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  get pollers(): number {
    return this.active;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    while (this.loops.size > 0) await Promise.all([...this.loops]);
    this.flushDeletes(true);
    await Promise.all([...this.deletions]);
  }

  private spawn(): void {
    this.active++;
    const loop = this.loop().finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  /** Retires the calling loop unless it is the last: checked and counted in one synchronous step,
   * so two loops that come back empty together can never both leave. */
  private retire(): boolean {
    if (this.active <= 1) return false;
    this.active--;
    return true;
  }

  private async loop(): Promise<void> {
    let retired = false;
    try {
      retired = await this.poll();
    } finally {
      if (!retired) this.active--;
    }
  }

  /** Receives and delivers until the source stops (false) or this loop retires (true). */
  private async poll(): Promise<boolean> {
    const { sqs, batchSize } = this.options;
    let fullInARow = 0;
    while (this.running) {
      let messages: Message[];
      try {
        const received = await sqs.receiveMessage(
          {
            QueueUrl: this.options.queueUrl(),
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          },
          { signal: this.abort.signal },
        );
        messages = received.Messages;
        traceReceived?.(messages);
      } catch (error) {
        if (!this.running) return false;
        await this.recover(error as Error);
        continue;
      }
      fullInARow = messages.length === batchSize ? fullInARow + 1 : 0;
      const utilization = threadUtilization();
      if (fullInARow >= 2 && this.active < this.options.concurrency && utilization < SPARE_BELOW) {
        fullInARow = 0;
        this.spawn();
      }
      const wantsToRetire = messages.length === 0 || utilization > SATURATED_ABOVE;
      if (messages.length > 0) await this.deliver(messages);
      if (wantsToRetire && this.retire()) return true;
    }
    return false;
  }

  private async deliver(messages: Message[]): Promise<void> {
    const { queueArn, region, reportBatchItemFailures } = this.options;
    const records = messages.map((message) => toRecord(message, queueArn, region));
    let result: { ok: true; value: unknown } | { ok: false };
    try {
      result = { ok: true, value: await this.options.invoke({ Records: records }) };
    } catch (error) {
      this.options.log?.(
        `invocation for ${queueArn} failed; its ${records.length} message(s) will be retried: ${(error as Error).message}`,
      );
      result = { ok: false };
    }
    const done = messagesToDelete(records, result, reportBatchItemFailures);
    if (done.length === 0) return;
    // The next receive need not wait for the delete: the loop's turn is over once it is queued.
    this.toDelete.push(...done);
    this.flushDeletes(false);
  }

  /** Sends every full batch of deletes; the rest too when `all` or once the window has passed. */
  private flushDeletes(all: boolean): void {
    if (all && this.deleteTimer) {
      clearTimeout(this.deleteTimer);
      this.deleteTimer = null;
    }
    while (this.toDelete.length >= MAX_DELETE_ENTRIES || (all && this.toDelete.length > 0)) {
      this.sendDeletes(this.toDelete.splice(0, MAX_DELETE_ENTRIES));
    }
    if (this.toDelete.length > 0 && !this.deleteTimer) {
      this.deleteTimer = setTimeout(() => {
        this.deleteTimer = null;
        this.flushDeletes(true);
      }, this.options.deleteWindowMs ?? DELETE_WINDOW_MS);
    }
  }

  private sendDeletes(done: SQSRecord[]): void {
    const { queueArn } = this.options;
    const deletion = this.options.sqs
      .deleteMessageBatch({
        QueueUrl: this.options.queueUrl(),
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      })
      .then(
        () => {},
        // Not deleted means delivered again later: the handlers are idempotent, so that is safe.
        (error: Error) => this.options.log?.(`could not delete handled messages from ${queueArn}: ${error.message}`),
      )
      .finally(() => this.deletions.delete(deletion));
    this.deletions.add(deletion);
  }

  private async recover(error: Error): Promise<void> {
    this.options.log?.(`receive from ${this.options.queueArn} failed (${error.name}: ${error.message}); retrying`);
    if (error.name.includes('QueueDoesNotExist') && this.options.onQueueMissing) {
      await this.options.onQueueMissing().catch(() => {});
    }
    await sleep(RETRY_AFTER_ERROR_MS);
  }
}
