import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFAULT_ATTRIBUTES, MemoryQueue } from '../src/queue';
import { closeInProcessEndpoint, openInProcessEndpoint, type InProcessEndpoint } from './in-process-endpoint';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nothingHeld = { visible: 0, scheduled: 0, inFlight: 0, waiters: 0 };

describe('memory of the local SQS endpoint over a long run', () => {
  let server: InProcessEndpoint['server'];
  let sqs: SQSClient;

  beforeAll(async () => ({ server, sqs } = await openInProcessEndpoint()));
  afterAll(() => closeInProcessEndpoint({ server, sqs }));

  it('holds nothing of a message once it is deleted, even with a long visibility timeout', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'churn', Attributes: { VisibilityTimeout: '3600' } }));
    const total = 1000;
    for (let start = 0; start < total; start += 10) {
      const Entries = Array.from({ length: 10 }, (_, index) => ({
        Id: `m${start + index}`,
        MessageBody: `message ${start + index}`,
      }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    }
    let received = 0;
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) break;
      received += Messages.length;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, index) => ({ Id: `d${index}`, ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    expect(received).toBe(total);
    expect(server.endpoint.inspect('churn')).toEqual(nothingHeld);
  });

  it('keeps one deadline per message however often its visibility changes', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'extended', Attributes: { VisibilityTimeout: '3600' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'heartbeat' }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    for (let beat = 0; beat < 200; beat++) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: Messages[0].ReceiptHandle,
          VisibilityTimeout: 3600 + beat,
        }),
      );
    }
    expect(server.endpoint.inspect('extended')).toEqual({ ...nothingHeld, scheduled: 1, inFlight: 1 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
    expect(server.endpoint.inspect('extended')).toEqual(nothingHeld);
  });
});

describe('retention of a queue nobody receives from', () => {
  it('drops every message past MessageRetentionPeriod on its own: visible, delayed, in flight and dead-lettered', async () => {
    // The queue's clock is ours to move; its sweep timer is real (and quick, for the test).
    let now = 1_000_000;
    const clock = () => now;
    const queues = new Map<string, MemoryQueue>();
    const attributes = { ...DEFAULT_ATTRIBUTES, MessageRetentionPeriod: 60, VisibilityTimeout: 3600 };
    const dlq = new MemoryQueue('dlq', 'arn:dlq', attributes, () => undefined, {
      now: clock,
      sweepIntervalMs: 20,
    });
    const work = new MemoryQueue(
      'work',
      'arn:work',
      { ...attributes, RedrivePolicy: { deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 1 } },
      (arn) => queues.get(arn),
      {
        now: clock,
        sweepIntervalMs: 20,
      },
    );
    queues.set('arn:dlq', dlq);

    work.send('dead letter');
    const [poison] = await work.receive(1, 0);
    work.changeVisibility(poison.receiptHandle!, 0);
    for (let index = 0; index < 50; index++) work.send(`visible ${index}`);
    for (let index = 0; index < 20; index++) work.send(`delayed ${index}`, 30);
    const inFlight = await work.receive(10, 0); // the first of these moves "dead letter" to the DLQ
    expect(inFlight).toHaveLength(10);
    expect(dlq.counts().visible).toBe(1);
    expect(work.counts()).toMatchObject({ visible: 40, inFlight: 10, delayed: 20 });

    now += 61_000;
    await sleep(200);
    // No receive since the clock moved: only the sweep can have emptied them.
    expect(work.inspect()).toEqual(nothingHeld);
    expect(dlq.inspect()).toEqual(nothingHeld);
    expect(work.counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(dlq.counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    work.close();
    dlq.close();
  });
});
