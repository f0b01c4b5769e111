// The AWS SDK (used here to create queues) warns about Node 20 on every run otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEndpoint, type RunningSqsEndpoint } from '@sagashop/sqs-endpoint';
import { SqsClient, SqsError } from '../src';

// Every action against the project's real SQS endpoint (@sagashop/sqs-endpoint, in this process).
// Queues are made with the AWS SDK: creating them is not this client's job.

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
let endpoint: RunningSqsEndpoint;
let sdk: SQSClient;
let sqs: SqsClient;

beforeAll(async () => {
  endpoint = await startSqsEndpoint();
  sdk = new SQSClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
  sqs = new SqsClient({ endpoint: endpoint.url, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sqs?.destroy();
  sdk?.destroy();
  await endpoint?.close();
});

let counter = 0;
async function queue(attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sdk.send(new CreateQueueCommand({ QueueName: `client-${process.pid}-${++counter}`, Attributes: attributes }));
  return QueueUrl!;
}

const waitingCount = async (url: string) => {
  const { Attributes } = await sdk.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes!.ApproximateNumberOfMessages),
    inFlight: Number(Attributes!.ApproximateNumberOfMessagesNotVisible),
  };
};

describe('the SQS client against the local endpoint', () => {
  it('sends a batch and receives it with its system and message attributes', async () => {
    const url = await queue();
    const sent = await sqs.sendMessageBatch({
      QueueUrl: url,
      Entries: [
        {
          Id: 'a',
          MessageBody: 'first ✓',
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: 'x' },
            blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
          },
        },
        { Id: 'b', MessageBody: JSON.stringify({ sagaId: 's-1' }) },
      ],
    });
    expect(sent.Failed).toEqual([]);
    expect(sent.Successful.map((entry) => entry.Id).sort()).toEqual(['a', 'b']);
    expect(sent.Successful.every((entry) => typeof entry.MessageId === 'string')).toBe(true);

    const { Messages } = await sqs.receiveMessage({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    expect(Messages.map((message) => message.Body).sort()).toEqual(['first ✓', '{"sagaId":"s-1"}']);
    const first = Messages.find((message) => message.Body === 'first ✓')!;
    expect(first.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.any(String),
    });
    expect(first.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'x' },
      blob: { DataType: 'Binary', BinaryValue: 'AQID' },
    });
    expect(first.MessageId).toBe(sent.Successful.find((entry) => entry.Id === 'a')!.MessageId);
  });

  it('answers an empty receive with no messages', async () => {
    const url = await queue();
    expect(await sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 0 })).toEqual({ Messages: [] });
  });

  it('long-polls: a receive waiting on an empty queue is answered by a message sent while it waits', async () => {
    const url = await queue();
    const waiting = sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'wake up' }] });
    expect((await waiting).Messages.map((message) => message.Body)).toEqual(['wake up']);
  });

  it('aborts a waiting receive, which then takes no message', async () => {
    const url = await queue();
    const controller = new AbortController();
    const waiting = sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'for the next one' }] });
    expect((await sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 5 })).Messages.map((message) => message.Body)).toEqual([
      'for the next one',
    ]);
  });

  it('refuses a signal that is already aborted without a request', async () => {
    const url = await queue();
    await expect(sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('names a missing queue QueueDoesNotExist, with its query code and status, and does not retry it', async () => {
    const error = await sqs.receiveMessage({ QueueUrl: `${endpoint.url}/000000000000/no-such-queue` }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqsError);
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      code: 'QueueDoesNotExist',
      queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
      fault: 'Sender',
      statusCode: 400,
      attempts: 1,
    });
    expect((error as Error).message).toMatch(/does not exist/);
  });

  it('deletes a batch, reporting the entries it could not delete apart', async () => {
    const url = await queue();
    await sqs.sendMessageBatch({
      QueueUrl: url,
      Entries: [
        { Id: '0', MessageBody: 'one' },
        { Id: '1', MessageBody: 'two' },
      ],
    });
    const { Messages } = await sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(Messages).toHaveLength(2);
    const deleted = await sqs.deleteMessageBatch({
      QueueUrl: url,
      Entries: [
        ...Messages.map((message, index) => ({ Id: `ok${index}`, ReceiptHandle: message.ReceiptHandle })),
        { Id: 'bad', ReceiptHandle: 'not-a-receipt-handle' },
      ],
    });
    expect(deleted.Successful.map((entry) => entry.Id).sort()).toEqual(['ok0', 'ok1']);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true })]);
    expect(await waitingCount(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('sends a batch in part: the refused entry is reported, the others are sent', async () => {
    const url = await queue();
    const sent = await sqs.sendMessageBatch({
      QueueUrl: url,
      Entries: [
        { Id: 'fine', MessageBody: 'ok' },
        { Id: 'late', MessageBody: 'x', DelaySeconds: 901 },
      ],
    });
    expect(sent.Successful.map((entry) => entry.Id)).toEqual(['fine']);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: 'late', Code: 'InvalidParameterValue' })]);
    expect(await waitingCount(url)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('changes the visibility of a batch: a message made visible again comes back at once, counted twice', async () => {
    const url = await queue({ VisibilityTimeout: '300' });
    await sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'retry me' }] });
    const [message] = (await sqs.receiveMessage({ QueueUrl: url })).Messages;
    const changed = await sqs.changeMessageVisibilityBatch({
      QueueUrl: url,
      Entries: [
        { Id: 'now', ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 },
        { Id: 'bad', ReceiptHandle: 'not-a-receipt-handle', VisibilityTimeout: 0 },
      ],
    });
    expect(changed.Successful).toEqual([{ Id: 'now' }]);
    expect(changed.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' })]);
    const [again] = (await sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 5, AttributeNames: ['All'] })).Messages;
    expect(again).toMatchObject({ Body: 'retry me', Attributes: { ApproximateReceiveCount: '2' } });
  });

  it('maps a refused request to the code SQS names', async () => {
    const url = await queue();
    await expect(sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 11 })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      statusCode: 400,
      attempts: 1,
    });
  });
});

describe('the SQS client without options', () => {
  it("signs for the region of AWS_REGION and uses that region's endpoint", () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-3';
    try {
      const client = new SqsClient();
      expect({ region: client.region, endpoint: client.endpoint }).toEqual({
        region: 'eu-west-3',
        endpoint: 'https://sqs.eu-west-3.amazonaws.com',
      });
      client.destroy();
    } finally {
      process.env.AWS_REGION = saved;
    }
  });
});
