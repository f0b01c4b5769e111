import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { messagesToDelete, SqsEventSource, type EventSourceOptions } from '../src';
import { useLocalEndpoint } from './local-endpoint';

const { sqs, messages, stats } = useLocalEndpoint();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;
async function queue(attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs().send(
    new CreateQueueCommand({ QueueName: `source-${process.pid}-${++counter}`, Attributes: attributes }),
  );
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

const sources: SqsEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

function source(url: string, invoke: EventSourceOptions['invoke'], options: Partial<EventSourceOptions> = {}) {
  const eventSource = new SqsEventSource({
    sqs: messages(),
    queueUrl: () => url,
    queueArn: 'arn:test',
    region: 'us-east-1',
    batchSize: 10,
    concurrency: 2,
    reportBatchItemFailures: true,
    invoke,
    ...options,
  });
  eventSource.start();
  sources.push(eventSource);
  return eventSource;
}

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const counts = async (url: string) => {
  const { Attributes } = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
};

describe('the offline SQS event source', () => {
  it('hands a lone message on an idle queue to the function at once, as an SQS event', async () => {
    const { url } = await queue();
    const seen: { event: SQSEvent; at: number }[] = [];
    source(url, async (event) => void seen.push({ event, at: Date.now() }));
    await sleep(200); // the pollers are now waiting on an empty queue
    const sentAt = Date.now();
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello' }));
    await until(() => seen.length === 1);
    // "At once" means: not the 5 s of serverless-offline-sqs; the benchmark measures the real figure.
    expect(seen[0].at - sentAt).toBeLessThan(1_000);
    const [record] = seen[0].event.Records;
    expect(record).toMatchObject({
      body: 'hello',
      eventSource: 'aws:sqs',
      attributes: { ApproximateReceiveCount: '1' },
    });
  });

  it('hands message attributes to the function as Lambda does: a binary value as base64', async () => {
    const { url } = await queue();
    const seen: SQSRecord[] = [];
    source(url, async (event) => void seen.push(...event.Records));
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'with attributes',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'x' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 250]) },
        },
      }),
    );
    await until(() => seen.length === 1);
    expect(seen[0].messageAttributes).toEqual({
      kind: { dataType: 'String', stringValue: 'x', binaryValue: undefined },
      blob: {
        dataType: 'Binary',
        stringValue: undefined,
        binaryValue: Buffer.from([1, 2, 250]).toString('base64'),
      },
    });
    expect(seen[0].md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it('deletes the messages a successful invocation handled', async () => {
    const { url } = await queue();
    let handled = 0;
    source(url, async (event) => {
      handled += event.Records.length;
    });
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `${i}`, MessageBody: `${i}` })),
      }),
    );
    await until(() => handled === 10);
    await sleep(100);
    expect(await counts(url)).toBe(0);
  });

  it('deletes the handled messages of consecutive batches together, ten to a request', async () => {
    const { url } = await queue();
    let handled = 0;
    // A window far longer than the test: only a full batch of ten, or the stop, sends deletes.
    const eventSource = source(url, async (event) => void (handled += event.Records.length), {
      batchSize: 1,
      concurrency: 1,
      deleteWindowMs: 60_000,
    });
    const deletesBefore = stats().actions.DeleteMessageBatch ?? { requests: 0, messages: 0 };
    const deletes = () => {
      const now = stats().actions.DeleteMessageBatch ?? { requests: 0, messages: 0 };
      return {
        requests: now.requests - deletesBefore.requests,
        messages: (now.messages ?? 0) - (deletesBefore.messages ?? 0),
      };
    };
    for (const first of [0, 10]) {
      await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: first === 0 ? 10 : 2 }, (_, i) => ({
            Id: `${i}`,
            MessageBody: `${first + i}`,
          })),
        }),
      );
    }
    await until(() => handled === 12);
    await until(() => deletes().requests === 1);
    expect(deletes()).toEqual({ requests: 1, messages: 10 });
    expect(await counts(url)).toBe(2);
    await eventSource.stop();
    expect(deletes()).toEqual({ requests: 2, messages: 12 });
    expect(await counts(url)).toBe(0);
  });

  it('keeps several batches in flight at once', async () => {
    const { url } = await queue();
    let inFlight = 0;
    let mostInFlight = 0;
    let handled = 0;
    source(
      url,
      async (event) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await sleep(200);
        inFlight--;
        handled += event.Records.length;
      },
      { concurrency: 4, batchSize: 2 },
    );
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 8 }, (_, i) => ({ Id: `${i}`, MessageBody: `${i}` })),
      }),
    );
    await until(() => handled === 8);
    expect(mostInFlight).toBeGreaterThan(1);
  });

  it('adds pollers under a backlog and retires them when idle, never the last one', async () => {
    const { url } = await queue();
    let handled = 0;
    const eventSource = source(
      url,
      async (event) => {
        await sleep(50); // a waiting handler: the thread has time to spare for more batches
        handled += event.Records.length;
      },
      { concurrency: 4, batchSize: 2, waitTimeSeconds: 1 },
    );
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `${i}`, MessageBody: `a${i}` })),
      }),
    );
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `${i}`, MessageBody: `b${i}` })),
      }),
    );
    let most = 0;
    while (handled < 20) {
      most = Math.max(most, eventSource.pollers);
      await sleep(5);
    }
    expect(most).toBeGreaterThan(1);
    // Every loop now comes back empty at about the same moment: all but one retire.
    await sleep(2_500);
    expect(eventSource.pollers).toBe(1);
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'still heard' }));
    await until(() => handled === 21, 5_000);
  });

  it('redelivers only the records reported in batchItemFailures', async () => {
    const { url } = await queue({ VisibilityTimeout: '1' });
    const deliveries: Record<string, number> = {};
    source(
      url,
      async (event) => {
        for (const record of event.Records) deliveries[record.body] = (deliveries[record.body] ?? 0) + 1;
        const failing = event.Records.filter((record) => record.body === 'bad' && deliveries.bad === 1);
        return { batchItemFailures: failing.map((record) => ({ itemIdentifier: record.messageId })) };
      },
      { concurrency: 1 },
    );
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['good', 'bad', 'fine'].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    await until(() => deliveries.bad === 2, 5_000);
    await sleep(1_500);
    expect(deliveries).toEqual({ good: 1, bad: 2, fine: 1 });
    expect(await counts(url)).toBe(0);
  });

  it('leaves a failed record whose visibility the function shortened to come back then, as Lambda does', async () => {
    // lib/saga/retry.ts: a saga step retries a failed record after a backoff by changing its
    // visibility on its own queue; the event source must neither delete it nor hide it again.
    const { url } = await queue({ VisibilityTimeout: '60' });
    const deliveries: number[] = [];
    source(
      url,
      async (event) => {
        const [record] = event.Records;
        deliveries.push(Number(record.attributes.ApproximateReceiveCount));
        if (deliveries.length > 1) return { batchItemFailures: [] };
        await sqs().send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: 1,
          }),
        );
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      },
      { concurrency: 1, batchSize: 1 },
    );
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'retried soon' }));
    // Far less than the queue's 60 s: only the shortened visibility brings it back within this.
    await until(() => deliveries.length === 2, 20_000);
    expect(deliveries).toEqual([1, 2]);
    let left = await counts(url);
    for (let tries = 0; left > 0 && tries < 100; tries++, left = await counts(url)) await sleep(50);
    expect(left).toBe(0);
  });

  it('redelivers the whole batch when the function throws, until the redrive policy moves it to the DLQ', async () => {
    const dlq = await queue();
    const { url } = await queue({
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    let attempts = 0;
    source(
      url,
      async () => {
        attempts++;
        throw new Error('handler crashed');
      },
      { concurrency: 1 },
    );
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'doomed' }));
    await until(() => attempts === 2, 5_000);
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 5 }));
    expect(Messages.map((message) => message.Body)).toEqual(['doomed']);
    expect(attempts).toBe(2);
  });

  it('keeps polling after its queue vanished, once the queue is back', async () => {
    const { url } = await queue();
    const name = url.split('/').pop()!;
    const bodies: string[] = [];
    let recreated = 0;
    source(url, async (event) => void bodies.push(...event.Records.map((record) => record.body)), {
      onQueueMissing: async () => {
        recreated++;
        await sqs().send(new CreateQueueCommand({ QueueName: name }));
      },
    });
    await sleep(100);
    await sqs().send(new DeleteQueueCommand({ QueueUrl: url }));
    await until(() => recreated > 0, 5_000);
    await sqs().send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after the restart' }));
    await until(() => bodies.includes('after the restart'), 5_000);
  });
});

describe('which messages a batch deletes', () => {
  const records = ['a', 'b', 'c'].map((messageId) => ({ messageId }) as SQSRecord);
  it('deletes all after success without failures, and none after a crash', () => {
    expect(messagesToDelete(records, { ok: true, value: { batchItemFailures: [] } }, true)).toEqual(records);
    expect(messagesToDelete(records, { ok: true, value: undefined }, true)).toEqual(records);
    expect(messagesToDelete(records, { ok: false }, true)).toEqual([]);
  });

  it('keeps the reported failures', () => {
    expect(messagesToDelete(records, { ok: true, value: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, true)).toEqual([
      records[0],
      records[2],
    ]);
  });

  it('treats a report naming an unknown message as a failure of the whole batch, as Lambda does', () => {
    expect(messagesToDelete(records, { ok: true, value: { batchItemFailures: [{ itemIdentifier: 'zzz' }] } }, true)).toEqual([]);
    expect(messagesToDelete(records, { ok: true, value: { batchItemFailures: [{ itemIdentifier: '' }] } }, true)).toEqual([]);
  });

  it('ignores batchItemFailures unless the mapping asks for them', () => {
    expect(messagesToDelete(records, { ok: true, value: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, false)).toEqual(records);
  });
});
