import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startSqsEndpoint } from '../src';
import { parityTargets } from './parity-targets';

// Request errors as AWS reports them. Runs against our endpoint, and against SQS_PARITY_ENDPOINT
// (LocalStack, ElasticMQ, ...) when that is set, so the claim "as AWS" can be checked elsewhere.
const targets = parityTargets([['@sagashop/sqs-endpoint', () => startSqsEndpoint()]]);

describe.each(targets)('batch and receipt-handle errors: %s', (_name, start) => {
  let server: { url: string; close(): Promise<void> };
  let sqs: SQSClient;
  let QueueUrl: string;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    server = await start();
    sqs = new SQSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    ({ QueueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: `batch-errors-${run}` }))) as {
      QueueUrl: string;
    });
  });
  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    sqs.destroy();
    await server.close();
  });

  /** One received message's handle, to mix valid entries with invalid ones. */
  const handle = async (body: string) => {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    for (let attempt = 0; attempt < 10; attempt++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
      const message = Messages.find((m) => m.Body === body);
      if (message) return message.ReceiptHandle!;
    }
    throw new Error(`${body} never arrived`);
  };

  const batches = (entries: { Id: string }[], receiptHandle = '00000000-0000-4000-8000-000000000000') => [
    () =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: entries.map(({ Id }) => ({ Id, MessageBody: 'x' })),
        }),
      ),
    () =>
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: entries.map(({ Id }) => ({ Id, ReceiptHandle: receiptHandle })),
        }),
      ),
    () =>
      sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl,
          Entries: entries.map(({ Id }) => ({ Id, ReceiptHandle: receiptHandle, VisibilityTimeout: 5 })),
        }),
      ),
  ];

  it('refuses batch entry ids that are not 1-80 alphanumerics, hyphens or underscores (InvalidBatchEntryId)', async () => {
    for (const Id of ['', 'invalid:id', 'space id', 'x'.repeat(81)]) {
      for (const send of batches([{ Id }]))
        await expect(send()).rejects.toMatchObject({ name: expect.stringMatching(/InvalidBatchEntryId/) });
    }
    const longest = `A-_${'z'.repeat(77)}`;
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: longest, MessageBody: 'valid id' }] }));
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual([longest]);
  });

  it('refuses repeated batch entry ids (BatchEntryIdsNotDistinct)', async () => {
    for (const send of batches([{ Id: 'same' }, { Id: 'same' }])) {
      await expect(send()).rejects.toMatchObject({ name: expect.stringMatching(/BatchEntryIdsNotDistinct/) });
    }
  });

  it('refuses an empty batch (EmptyBatchRequest) and one of eleven (TooManyEntriesInBatchRequest)', async () => {
    for (const send of batches([])) await expect(send()).rejects.toMatchObject({ name: expect.stringMatching(/EmptyBatchRequest/) });
    const eleven = Array.from({ length: 11 }, (_, index) => ({ Id: `e${index}` }));
    for (const send of batches(eleven))
      await expect(send()).rejects.toMatchObject({
        name: expect.stringMatching(/TooManyEntriesInBatchRequest/),
      });
  });

  it('answers a garbage receipt handle with ReceiptHandleIsInvalid, a stale one with nothing', async () => {
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' }))).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
      message: 'The input receipt handle "garbage" is not a valid receipt handle.',
    });
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'INVALID', VisibilityTimeout: 60 })),
    ).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    const valid = await handle('delete me');
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'bad', ReceiptHandle: 'garbage' },
          { Id: 'good', ReceiptHandle: valid },
        ],
      }),
    );
    expect(deleted.Successful?.map((entry) => entry.Id)).toEqual(['good']);
    expect(deleted.Failed).toEqual([{ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: expect.any(String) }]);
    // Deleting with a handle whose message is gone already is no error, however often.
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: valid }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: valid }));
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [{ Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 5 }],
      }),
    );
    expect(changed.Failed).toEqual([{ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: expect.any(String) }]);
  });
});
