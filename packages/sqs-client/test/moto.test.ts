process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { SqsClient, type Credentials } from '../src';

// The same actions against moto_server, an independent implementation of SQS's JSON protocol that
// also checks SigV4 signatures once its first unauthenticated actions are used up
// (INITIAL_NO_AUTH_ACTION_COUNT): three, to make an IAM user, its access key and its SQS policy.
// Without moto this fails, naming the command that installs it: it never passes without running.

const INSTALL_MOTO = 'pip install "moto[server]"';
let moto: ChildProcess | undefined;
let url: string;
let credentials: Credentials;
let sdk: SQSClient;
let sqs: SqsClient;

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One plain HTTP POST on a connection of its own (fetch would keep sockets open past the tests). */
function postForm(path: string, form: URLSearchParams | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSETUP/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.end(form?.toString() ?? '');
  });
}

async function iam(params: Record<string, string>): Promise<string> {
  const { status, text } = await postForm('/', new URLSearchParams({ ...params, Version: '2010-05-08' }));
  if (status !== 200) throw new Error(`moto IAM ${params.Action}: ${status} ${text}`);
  return text;
}

beforeAll(async () => {
  const found = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (found.error || found.status !== 0) throw new Error(`moto_server is not installed: ${INSTALL_MOTO}`);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3' },
  });
  for (let tries = 0; ; tries++) {
    if (await isListening(port)) break;
    if (tries > 300) throw new Error('moto_server did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await iam({ Action: 'CreateUser', UserName: 'sqs-client' });
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'sqs-client' });
  credentials = {
    accessKeyId: /<AccessKeyId>([^<]+)</.exec(key)![1],
    secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(key)![1],
  };
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] };
  await iam({
    Action: 'PutUserPolicy',
    UserName: 'sqs-client',
    PolicyName: 'sqs',
    PolicyDocument: JSON.stringify(policy),
  });
  sdk = new SQSClient({ endpoint: url, region: 'us-east-1', credentials });
  sqs = new SqsClient({ endpoint: url, region: 'us-east-1', credentials });
}, 60_000);
afterAll(async () => {
  sqs?.destroy();
  sdk?.destroy();
  if (moto && moto.exitCode === null) {
    const exited = new Promise((resolve) => moto!.once('exit', resolve));
    moto.kill();
    await exited;
  }
});

let counter = 0;
const queue = async () =>
  (await sdk.send(new CreateQueueCommand({ QueueName: `client-${++counter}`, Attributes: { VisibilityTimeout: '300' } }))).QueueUrl!;

describe('the SQS client against moto (signatures checked)', () => {
  it('is refused with a wrong secret: moto really checks the signature', async () => {
    const forger = new SqsClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { ...credentials, secretAccessKey: 'not-the-secret' },
    });
    try {
      await expect(forger.receiveMessage({ QueueUrl: await queue() })).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        statusCode: 403,
        attempts: 1,
      });
    } finally {
      forger.destroy();
    }
  });

  it('sends, receives with attributes, changes visibility and deletes, in batches', async () => {
    const url = await queue();
    const sent = await sqs.sendMessageBatch({
      QueueUrl: url,
      Entries: [
        {
          Id: 'a',
          MessageBody: 'one',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' } },
        },
        { Id: 'b', MessageBody: 'two' },
      ],
    });
    expect({ ok: sent.Successful.map((entry) => entry.Id).sort(), failed: sent.Failed }).toEqual({
      ok: ['a', 'b'],
      failed: [],
    });

    const first = await sqs.receiveMessage({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    expect(first.Messages.map((message) => message.Body).sort()).toEqual(['one', 'two']);
    expect(first.Messages.find((message) => message.Body === 'one')).toMatchObject({
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' } },
    });

    const changed = await sqs.changeMessageVisibilityBatch({
      QueueUrl: url,
      Entries: first.Messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      })),
    });
    expect(changed.Successful).toHaveLength(2);
    const again = await sqs.receiveMessage({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 5,
      AttributeNames: ['All'],
    });
    expect(again.Messages.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2']);

    const deleted = await sqs.deleteMessageBatch({
      QueueUrl: url,
      Entries: again.Messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    });
    expect({ ok: deleted.Successful.length, failed: deleted.Failed }).toEqual({ ok: 2, failed: [] });
  });

  it('long-polls: a waiting receive gets a message sent during its wait', async () => {
    const url = await queue();
    const waiting = sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: 'wake up' }] });
    expect((await waiting).Messages.map((message) => message.Body)).toEqual(['wake up']);
  });

  it('names a missing queue QueueDoesNotExist', async () => {
    await expect(sqs.receiveMessage({ QueueUrl: `${url}/123456789012/no-such-queue` })).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
      statusCode: 400,
    });
  });
});
