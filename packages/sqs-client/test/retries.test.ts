import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SqsClient } from '../src';
import { backoffMs, sleep } from '../src/retry';

// A tiny SQS stand-in that answers each request as a script says: fail (a 500, a throttling 400, a
// dropped connection, no answer at all) a given number of times, then answer properly.

type Behaviour = 'ok' | 'internal-error' | 'throttled' | 'refused' | 'drop' | 'hang';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
}

let server: Server;
let url: string;
let script: Behaviour[] = [];
let seen: Seen[] = [];
const sockets = new Set<Socket>();

function answer(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: request.socket,
      });
      const behaviour = script.shift() ?? 'ok';
      if (behaviour === 'ok') return answer(response, 200, { Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: 'hello' }] });
      if (behaviour === 'internal-error') return answer(response, 500, { __type: 'com.amazonaws.sqs#InternalError', message: 'try again' });
      if (behaviour === 'throttled')
        return answer(
          response,
          400,
          { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'slow down' },
          { 'x-amzn-query-error': 'RequestThrottled;Sender' },
        );
      if (behaviour === 'refused') return answer(response, 400, { __type: 'com.amazonaws.sqs#InvalidAddress', message: 'no' });
      if (behaviour === 'drop') return request.socket.destroy();
      // 'hang': never answer.
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let client: SqsClient;
beforeEach(() => {
  script = [];
  seen = [];
  client = new SqsClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', sessionToken: 'session-token' },
    responseTimeoutMs: 1_000,
  });
});
afterEach(() => {
  client.destroy();
  for (const socket of sockets) socket.destroy();
});

const receive = (signal?: AbortSignal) => client.receiveMessage({ QueueUrl: `${url}/000000000000/q`, MaxNumberOfMessages: 10 }, { signal });

describe('requests', () => {
  it('speak the SQS JSON protocol: a signed POST to / naming the action, with the input as JSON', async () => {
    await receive();
    const [{ method, url: path, headers, body }] = seen;
    expect({ method, path }).toEqual({ method: 'POST', path: '/' });
    expect(headers).toMatchObject({
      'x-amz-target': 'AmazonSQS.ReceiveMessage',
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-security-token': 'session-token',
      'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
      host: url.slice('http://'.length),
      authorization: expect.stringMatching(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
      ),
    });
    expect(JSON.parse(body)).toEqual({ QueueUrl: `${url}/000000000000/q`, MaxNumberOfMessages: 10 });
  });

  it('go where the QueueUrl points when no endpoint is given, as the AWS SDK does', async () => {
    const byQueueUrl = new SqsClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    });
    try {
      expect(byQueueUrl.endpoint).toBe('https://sqs.eu-west-1.amazonaws.com');
      expect((await byQueueUrl.receiveMessage({ QueueUrl: `${url}/000000000000/q` })).Messages).toHaveLength(1);
      expect(seen.map((request) => [request.headers.host, request.url])).toEqual([[url.slice('http://'.length), '/']]);
    } finally {
      byQueueUrl.destroy();
    }
  });

  it('reuse one kept-alive connection', async () => {
    for (let i = 0; i < 5; i++) await receive();
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((request) => request.socket)).size).toBe(1);
  });
});

describe('retries (the SDK standard mode: 3 attempts)', () => {
  it('retry a 500 until it succeeds', async () => {
    script = ['internal-error', 'internal-error'];
    expect((await receive()).Messages).toEqual([{ MessageId: 'm', ReceiptHandle: 'r', Body: 'hello' }]);
    expect(seen).toHaveLength(3);
  });

  it('give up after the third attempt with the last error', async () => {
    script = ['internal-error', 'internal-error', 'internal-error', 'ok'];
    await expect(receive()).rejects.toMatchObject({ name: 'InternalError', statusCode: 500, attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it('retry a dropped connection', async () => {
    script = ['drop', 'drop'];
    expect((await receive()).Messages).toHaveLength(1);
    expect(seen).toHaveLength(3);
  });

  it('retry throttling', async () => {
    script = ['throttled'];
    expect((await receive()).Messages).toHaveLength(1);
    expect(seen).toHaveLength(2);
  });

  it('retry a request that got no answer in time', async () => {
    script = ['hang'];
    expect((await receive()).Messages).toHaveLength(1);
    expect(seen).toHaveLength(2);
  });

  it('never retry a refused request', async () => {
    script = ['refused'];
    await expect(receive()).rejects.toMatchObject({ name: 'InvalidAddress', statusCode: 400, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('never retry an aborted request', async () => {
    script = ['hang'];
    const controller = new AbortController();
    const pending = receive(controller.signal);
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(1);
  });
});

describe('connecting', () => {
  it('fails with the network error once every attempt was refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new SqsClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await expect(nowhere.receiveMessage({ QueueUrl: 'q' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      attempts: 3,
    });
    nowhere.destroy();
  });
});

describe('the backoff', () => {
  it('waits a random share of base × 2^retries: 100 ms for transient failures, 500 ms for throttling, at most 20 s', () => {
    expect([0, 1, 2].map((retries) => backoffMs('transient', retries, () => 0.999))).toEqual([99, 199, 399]);
    expect([0, 1].map((retries) => backoffMs('throttling', retries, () => 0.5))).toEqual([250, 500]);
    expect(backoffMs('throttling', 12, () => 0.999)).toBe(20_000);
    expect(backoffMs('transient', 1, () => 0)).toBe(0);
  });

  it('ends at an abort', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleep(1, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
