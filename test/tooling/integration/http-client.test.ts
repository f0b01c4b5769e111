import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpClient } from '../../../scripts/bench/http-client';

// The load generator of the benchmark and the chaos runs: a server closing a kept-alive connection
// just as the next request goes out (here: the second request on each connection is dropped
// unanswered) must not fail a read, and must not make a write happen twice.

let server: Server;
let api: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const socket = req.socket as typeof req.socket & { served?: number };
    socket.served = (socket.served ?? 0) + 1;
    seen.push(`${req.method} ${req.url}`);
    if (socket.served > 1) return void socket.destroy();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (seen.length = 0));

it('sends a GET that a kept-alive connection dropped once more, on a new connection', async () => {
  const client = httpClient(api, 1);
  try {
    expect(await client.call('GET', '/first')).toEqual({ status: 200, body: 'ok' });
    expect(await client.call('GET', '/second')).toEqual({ status: 200, body: 'ok' });
    expect(seen).toEqual(['GET /first', 'GET /second', 'GET /second']);
  } finally {
    client.close();
  }
});

it('does not send a POST twice: the caller learns the connection was reset', async () => {
  const client = httpClient(api, 1);
  try {
    await client.call('POST', '/orders/checkout/1');
    await expect(client.call('POST', '/orders/checkout/2')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen).toEqual(['POST /orders/checkout/1', 'POST /orders/checkout/2']);
  } finally {
    client.close();
  }
});
