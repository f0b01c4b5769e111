import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { closeInProcessEndpoint, openInProcessEndpoint, type InProcessEndpoint } from './in-process-endpoint';

// What the bench reads to tell how well the event source and the senders batch.
describe('GET /_endpoint/stats', () => {
  let endpoint: InProcessEndpoint;
  beforeAll(async () => (endpoint = await openInProcessEndpoint()));
  afterAll(() => closeInProcessEndpoint(endpoint));

  const stats = async () => {
    const response = await fetch(`${endpoint.server.url}/_endpoint/stats`);
    expect(response.status).toBe(200);
    return response.json();
  };

  it('counts requests per action and the messages that sends, receives and deletes carried', async () => {
    const { sqs } = endpoint;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'counted' }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: ['a', 'b', 'c'].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'd' }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(Messages).toHaveLength(4);
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: Messages.slice(0, 3).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );

    expect(await stats()).toEqual({
      // One kept-alive connection of the SDK client's, and one of fetch's for the stats.
      connections: 2,
      actions: {
        CreateQueue: { requests: 1 },
        SendMessageBatch: { requests: 1, messages: 3, messagesPerRequest: 3 },
        SendMessage: { requests: 1 },
        ReceiveMessage: { requests: 2, messages: 4, messagesPerRequest: 2 },
        DeleteMessageBatch: { requests: 1, messages: 3, messagesPerRequest: 3 },
      },
    });
  });

  it('is not an SQS action: a POST to its path is still answered as SQS', async () => {
    const response = await fetch(`${endpoint.server.url}/_endpoint/stats`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'com.amazonaws.sqs#InvalidAction' });
  });
});
