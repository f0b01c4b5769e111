import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { startEndpointProcess, type EndpointProcess } from './endpoint-process';
import { head, rawExchange, streamChunked } from './raw-http';

// The endpoint runs as its own process here, started by its command line: a request that kills it shows
// up as a process that is gone, which an in-process server would hide.
let sqsProcess: EndpointProcess;
let port: number;
let sqs: SQSClient;
let queueUrl: string;

/** Peak resident memory of the endpoint's process so far, in bytes (Linux). */
const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${sqsProcess.child.pid}/status`, 'utf8'))![1]) * 1024;

const stillServes = async () => {
  expect(sqsProcess.child.exitCode).toBeNull();
  const body = `still here ${Math.random()}`;
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
  expect(Messages.map((m) => m.Body)).toEqual([body]);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
};

const errorShape = (type: string) => ({
  status: 400,
  body: { __type: `com.amazonaws.sqs#${type}`, message: expect.any(String) },
});

beforeAll(async () => {
  sqsProcess = await startEndpointProcess(['--port', '0']);
  port = sqsProcess.port;
  sqs = new SQSClient({
    endpoint: sqsProcess.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: 'robust' }))) as {
    QueueUrl: string;
  });
}, 30_000);

afterAll(async () => {
  sqs?.destroy();
  await sqsProcess?.stop();
});

describe('the local SQS endpoint survives bad requests', () => {
  it('survives a request whose body is cut short by a client that goes away', async () => {
    const body = JSON.stringify({ QueueUrl: queueUrl, MessageBody: 'never complete' });
    await rawExchange(port, head('SendMessage', { 'Content-Length': body.length + 500 }) + body, {
      hangUp: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stillServes();
  });

  it('answers garbage JSON, a non-object body and an unknown action with a JSON-protocol 400', async () => {
    const garbage = '{"QueueUrl": ';
    expect(await rawExchange(port, head('SendMessage', { 'Content-Length': garbage.length }) + garbage)).toMatchObject(
      errorShape('SerializationException'),
    );
    expect(await rawExchange(port, head('SendMessage', { 'Content-Length': 4 }) + 'null')).toMatchObject(
      errorShape('SerializationException'),
    );
    expect(await rawExchange(port, head('Explode', { 'Content-Length': 2 }) + '{}')).toMatchObject(errorShape('InvalidAction'));
    await stillServes();
  });

  it('answers missing or malformed parameters with a 400 naming them', async () => {
    const send = (target: string, params: unknown) => {
      const body = JSON.stringify(params);
      return rawExchange(port, head(target, { 'Content-Length': Buffer.byteLength(body) }) + body);
    };
    expect(await send('SendMessage', {})).toMatchObject(errorShape('MissingParameter'));
    expect(await send('SendMessage', { QueueUrl: queueUrl })).toMatchObject(errorShape('MissingParameter'));
    expect(await send('SendMessageBatch', { QueueUrl: queueUrl, Entries: [null] })).toMatchObject({
      status: 400,
    });
    expect(await send('DeleteMessageBatch', { QueueUrl: queueUrl, Entries: 'nope' })).toMatchObject({
      status: 400,
    });
    expect(
      await send('CreateQueue', {
        QueueName: 'robust-bad-redrive',
        Attributes: { RedrivePolicy: '{not json' },
      }),
    ).toMatchObject(errorShape('InvalidParameterValue'));
    // A real receipt handle with no timeout: nothing may be scheduled at "undefined".
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'handle me' }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(await send('ChangeMessageVisibility', { QueueUrl: queueUrl, ReceiptHandle: Messages[0].ReceiptHandle })).toMatchObject(
      errorShape('MissingParameter'),
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
    await stillServes();
  });
});

describe('the local SQS endpoint refuses oversized bodies before it holds them', () => {
  it('refuses a body whose declared Content-Length is over the limit without reading it', async () => {
    const answer = await rawExchange(port, head('SendMessageBatch', { 'Content-Length': 400 * 1024 * 1024 }));
    expect(answer).toMatchObject(errorShape('BatchRequestTooLong'));
    await stillServes();
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const before = peakRss();
    const total = 256 * 1024 * 1024;
    const answer = await streamChunked(port, 'SendMessage', total);
    // It was answered (or cut off) long before the client could send everything ...
    expect(answer.sent).toBeLessThan(64 * 1024 * 1024);
    expect(answer).toMatchObject(errorShape('InvalidParameterValue'));
    // ... and never held more than a few MiB of it.
    expect(peakRss() - before).toBeLessThan(48 * 1024 * 1024);
    await stillServes();
  });
});
