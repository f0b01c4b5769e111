import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { closeInProcessEndpoint, openInProcessEndpoint, type InProcessEndpoint } from './in-process-endpoint';

// AWS's limits since August 2025: a message (body + attributes) of up to 1 MiB, and a
// SendMessageBatch whose entries together carry up to 1 MiB.
const MIB = 1_048_576;

describe('message and batch size limits of the local SQS endpoint', () => {
  let server: InProcessEndpoint['server'];
  let sqs: SQSClient;

  beforeAll(async () => ({ server, sqs } = await openInProcessEndpoint()));
  afterAll(() => closeInProcessEndpoint({ server, sqs }));

  const visible = async (QueueUrl: string) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(Attributes!.ApproximateNumberOfMessages);
  };

  it('accepts MaximumMessageSize=1048576 and a message of exactly 1 MiB, and refuses one byte more', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'one-mib', Attributes: { MaximumMessageSize: String(MIB) } }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(MIB) }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    expect(Messages[0].Body).toHaveLength(MIB);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(MIB + 1) }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining(`shorter than ${MIB} bytes`),
    });
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: 'too-big', Attributes: { MaximumMessageSize: String(MIB + 1) } })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('defaults a new queue to 1 MiB messages, as AWS does since 2025', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'default-size' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['MaximumMessageSize'] }));
    expect(Attributes!.MaximumMessageSize).toBe(String(MIB));
  });

  it('refuses a whole batch whose entries together exceed 1 MiB (BatchRequestTooLong), enqueueing none', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'batch-total' }));
    const Entries = Array.from({ length: 5 }, (_, index) => ({
      Id: `e${index}`,
      MessageBody: String(index).repeat(250_000),
    }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }))).rejects.toMatchObject({
      name: 'BatchRequestTooLong',
      message: expect.stringContaining(`cannot be longer than ${MIB} bytes`),
    });
    expect(await visible(QueueUrl!)).toBe(0);
    // Attributes count toward the total as well: 1 MiB of body plus one attribute is too long.
    await expect(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'a', MessageBody: 'a'.repeat(MIB - 10) },
            {
              Id: 'b',
              MessageBody: 'b',
              MessageAttributes: { step: { DataType: 'String', StringValue: 'reserve-stock' } },
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
    // Exactly 1 MiB in total is still fine.
    const fits = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'a'.repeat(MIB / 2) },
          { Id: 'b', MessageBody: 'b'.repeat(MIB / 2) },
        ],
      }),
    );
    expect(fits.Successful).toHaveLength(2);
  });

  it("fails only the entry over the queue's MaximumMessageSize, and sends its batch-mates", async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'small-messages', Attributes: { MaximumMessageSize: '1024' } }),
    );
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'big', MessageBody: 'x'.repeat(1025) },
          { Id: 'small', MessageBody: 'fits' },
        ],
      }),
    );
    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['small']);
    expect(result.Failed).toEqual([
      {
        Id: 'big',
        Code: 'InvalidParameterValue',
        SenderFault: true,
        Message: expect.stringContaining('shorter than 1024 bytes'),
      },
    ]);
    expect(await visible(QueueUrl!)).toBe(1);
  });
});
