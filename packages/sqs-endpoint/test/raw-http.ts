import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: the status line's code, and the body if one arrived. */
export interface RawAnswer {
  status?: number;
  body?: any;
  /** Request bytes written before the answer arrived or the connection ended. */
  sent: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseAnswer(raw: string, sent: number): RawAnswer {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  const split = raw.indexOf('\r\n\r\n');
  let body: any;
  if (split >= 0) {
    try {
      body = JSON.parse(raw.slice(split + 4));
    } catch {
      body = raw.slice(split + 4);
    }
  }
  return { status: match ? Number(match[1]) : undefined, body, sent };
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

export function head(target: string, extra: Record<string, string | number>): string {
  const lines = [`POST / HTTP/1.1`, `Host: 127.0.0.1`, `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AmazonSQS.${target}`];
  for (const [name, value] of Object.entries(extra)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Writes `request`, then either closes the connection at once (`hangUp`) or waits up to `waitMs`
 * for the answer. Used for requests the AWS SDK would never send: truncated, oversized, garbage.
 */
export async function rawExchange(
  port: number,
  request: string | Buffer,
  options: { hangUp?: boolean; waitMs?: number } = {},
): Promise<RawAnswer> {
  const socket = await openSocket(port);
  let raw = '';
  socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  socket.write(request);
  if (options.hangUp) {
    await sleep(50);
    socket.destroy();
    return { sent: Buffer.byteLength(request) };
  }
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  while (Date.now() < deadline && !socket.destroyed && !/\r\n\r\n[\s\S]*\}$/.test(raw)) await sleep(10);
  socket.destroy();
  return parseAnswer(raw, Buffer.byteLength(request));
}

/**
 * Streams a chunked body of `total` bytes, honouring back-pressure, and stops as soon as an answer
 * arrives or the server closes the connection: how far it got tells whether the server kept reading.
 */
export async function streamChunked(port: number, target: string, total: number, chunkSize = 64 * 1024): Promise<RawAnswer> {
  const socket = await openSocket(port);
  let raw = '';
  let ended = false;
  socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
  socket.on('error', () => (ended = true));
  socket.on('close', () => (ended = true));
  socket.write(head(target, { 'Transfer-Encoding': 'chunked' }));
  const chunk = Buffer.concat([Buffer.from(`${chunkSize.toString(16)}\r\n`), Buffer.alloc(chunkSize, 'x'), Buffer.from('\r\n')]);
  let sent = 0;
  while (sent < total && !ended && raw === '') {
    const drained = socket.write(chunk);
    sent += chunkSize;
    if (!drained) {
      await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), sleep(2_000)]);
    }
  }
  if (!ended && raw === '') socket.write('0\r\n\r\n');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !ended && !/\r\n\r\n[\s\S]*\}$/.test(raw)) await sleep(10);
  socket.destroy();
  return parseAnswer(raw, sent);
}
