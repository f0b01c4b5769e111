import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { request } from 'node:http';
import { MemoryQueue, DEFAULT_ATTRIBUTES } from '../src/queue';
import { closeInProcessEndpoint, openInProcessEndpoint, type InProcessEndpoint } from './in-process-endpoint';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a long poll whose client went away', () => {
  let server: InProcessEndpoint['server'];
  let sqs: SQSClient;

  beforeAll(async () => ({ server, sqs } = await openInProcessEndpoint()));
  afterAll(() => closeInProcessEndpoint({ server, sqs }));

  it('takes no message: the next receive gets it at once, not after the visibility timeout', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'abandoned-poll', Attributes: { VisibilityTimeout: '30' } }));
    // What `sls offline` leaves behind when it is restarted: a 20 s poll on a connection that is gone.
    const url = new URL(server.url);
    const poll = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AmazonSQS.ReceiveMessage' },
    });
    poll.on('error', () => undefined);
    poll.end(JSON.stringify({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
    await sleep(200);
    poll.destroy();
    await sleep(200);

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'for the living' }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0, AttributeNames: ['All'] }));
    expect(Messages.map((m) => m.Body)).toEqual(['for the living']);
    expect(Messages[0].Attributes?.ApproximateReceiveCount).toBe('1');
  });
});

describe('the queue side of an abandoned receive', () => {
  const newQueue = () =>
    new MemoryQueue('q', 'arn:aws:sqs:us-east-1:000000000000:q', { ...DEFAULT_ATTRIBUTES, VisibilityTimeout: 30 }, () => undefined);

  it('drops an aborted waiter, which then never takes a message', async () => {
    const queue = newQueue();
    const controller = new AbortController();
    const waiting = queue.receive(10, 20, 30, controller.signal);
    expect(queue.inspect().waiters).toBe(1);
    controller.abort();
    await expect(waiting).resolves.toEqual([]);
    expect(queue.inspect().waiters).toBe(0);
    queue.send('next');
    expect(queue.counts()).toMatchObject({ visible: 1, inFlight: 0 });
    queue.close();
  });

  it('makes a message handed to a closed connection visible again at once, its receive undone', async () => {
    const queue = newQueue();
    queue.send('lost in transit');
    const [taken] = await queue.receive(1, 0);
    const handle = taken.receiptHandle!;
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 1 });
    queue.release([handle]);
    expect(queue.counts()).toMatchObject({ visible: 1, inFlight: 0 });
    const [again] = await queue.receive(1, 0);
    expect(again.body).toBe('lost in transit');
    expect(again.receiveCount).toBe(1);
    // A handle that was already released, or re-issued since, changes nothing.
    queue.release([handle]);
    expect(queue.counts()).toMatchObject({ visible: 0, inFlight: 1 });
    queue.close();
  });
});

describe('waiting long polls and a batch of messages', () => {
  it('hands the messages of one batch to one waiting poll together, as SQS does, not one to each', async () => {
    const queue = new MemoryQueue(
      'batch',
      'arn:aws:sqs:us-east-1:000000000000:batch',
      { ...DEFAULT_ATTRIBUTES, VisibilityTimeout: 30 },
      () => undefined,
    );
    const first = queue.receive(10, 20);
    const second = queue.receive(10, 20);
    // What SendMessageBatch does: every entry sent in one synchronous stretch.
    for (const body of ['a', 'b', 'c', 'd']) queue.send(body);
    expect((await first).map((message) => message.body)).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.inspect().waiters).toBe(1);
    queue.close();
    await expect(second).resolves.toEqual([]);
  });
});
