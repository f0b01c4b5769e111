import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseCliOptions } from '../src';
import { startEndpointProcess } from './endpoint-process';

describe('the command line', () => {
  it('defaults to this endpoint on 127.0.0.1:9324 without faults', () => {
    expect(parseCliOptions([])).toEqual({
      port: 9324,
      host: '127.0.0.1',
      faults: { duplicate: false, maxDelayMs: 0, dropRate: 0 },
      implementation: 'builtin',
    });
    expect(parseCliOptions(['--implementation', 'local-aws-sqs', '--port', '0']).implementation).toBe('local-aws-sqs');
  });

  it('refuses, in one sentence each, what it cannot use', () => {
    expect(() => parseCliOptions(['--port', 'x'])).toThrow('--port must be a TCP port number (got x)');
    expect(() => parseCliOptions(['--implementation', 'sqslite'])).toThrow(
      '--implementation must be builtin or local-aws-sqs (got "sqslite")',
    );
    expect(() => parseCliOptions(['--faults', 'explode'])).toThrow(/--faults: cannot read "explode"/);
    expect(() => parseCliOptions(['--implementation', 'local-aws-sqs', '--faults', 'duplicate'])).toThrow(
      '--faults needs --implementation builtin',
    );
    expect(() => parseCliOptions(['--queues', 'a'])).toThrow(/queues/);
  });

  it('serves on the port it says, with the faults it was given', async () => {
    const endpoint = await startEndpointProcess(['--port', '0', '--faults', 'duplicate']);
    const sqs = new SQSClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'cli-faults' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'twice' }));
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      expect(Messages.map((message) => message.Body)).toEqual(['twice', 'twice']);
    } finally {
      sqs.destroy();
      await endpoint.stop();
    }
  });
});
