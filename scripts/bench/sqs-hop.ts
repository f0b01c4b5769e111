// `npx tsx scripts/bench/sqs-hop.ts`: one queue hop against the SQS endpoint alone, as its own process.
// A sender's SendMessageBatch → a waiting long poll's answer, then a DeleteMessageBatch, as the
// event source does; reports the hop's latency and the endpoint's CPU per message.
//   --senders 1 --pollers 1         one message at a time (latency); e.g. --senders 64 --pollers 4 for load
//   --seconds 10 --client raw|sdk   raw: a keep-alive node:http client; sdk: @aws-sdk/client-sqs
//   --delete-window 25              deletes wait this many ms to share a request, as the event source's do
//   --node-args "--max-semi-space-size=16"    flags for the endpoint's node process
//   SQS_HOP_ENDPOINT=http://127.0.0.1:9324    a running endpoint instead (no CPU figure then)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SQS_ENDPOINT_BIN } from '@sagashop/sqs-endpoint';
import { percentile } from './http-client';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}
const senders = Number(option('senders', '1'));
const pollers = Number(option('pollers', '1'));
const seconds = Number(option('seconds', '10'));
const clientKind = option('client', 'raw');
const deleteWindowMs = Number(option('delete-window', '0'));
const nodeArgs = option('node-args', '').split(' ').filter(Boolean);

type Call = (action: string, params: Record<string, unknown>) => Promise<any>;

function rawClient(endpoint: string): Call {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return (action, params) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(params);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'X-Amz-Target': `AmazonSQS.${action}`,
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${action}: ${res.statusCode} ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

function sdkClient(endpoint: string): Call {
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const commands: Record<string, new (input: any) => any> = {
    SendMessageBatch: SendMessageBatchCommand,
    ReceiveMessage: ReceiveMessageCommand,
    DeleteMessageBatch: DeleteMessageBatchCommand,
  };
  return (action, params) => sqs.send(new commands[action](params));
}

async function startEndpoint(): Promise<{ url: string; pid?: number; stop: () => void }> {
  if (process.env.SQS_HOP_ENDPOINT) return { url: process.env.SQS_HOP_ENDPOINT, stop: () => {} };
  const child = spawn(process.execPath, [...nodeArgs, SQS_ENDPOINT_BIN, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /listening on (\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`the endpoint exited: ${text}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill() };
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function main(): Promise<void> {
  const endpoint = await startEndpoint();
  const call = clientKind === 'sdk' ? sdkClient(endpoint.url) : rawClient(endpoint.url);
  const { QueueUrl } = await rawClient(endpoint.url)('CreateQueue', { QueueName: `hop-${process.pid}` });
  const waiting = new Map<string, () => void>();
  const hopMs: number[] = [];
  const sendMs: number[] = [];
  let receives = 0;
  let received = 0;
  let deletes = 0;
  let running = true;
  let measuring = false;

  const toDelete: string[] = [];
  let deleteTimer: NodeJS.Timeout | undefined;
  const flushDeletes = () => {
    clearTimeout(deleteTimer);
    deleteTimer = undefined;
    while (toDelete.length > 0) {
      if (measuring) deletes++;
      const handles = toDelete.splice(0, 10);
      void call('DeleteMessageBatch', {
        QueueUrl,
        Entries: handles.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
      });
    }
  };
  const poll = async () => {
    while (running) {
      const { Messages = [] } = await call('ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      });
      const at = performance.now();
      if (Messages.length === 0) continue;
      if (measuring) {
        receives++;
        received += Messages.length;
      }
      for (const message of Messages) {
        const { id, sentAt } = JSON.parse(message.Body);
        if (measuring) hopMs.push(at - sentAt);
        waiting.get(id)?.();
      }
      toDelete.push(...Messages.map((m: any) => m.ReceiptHandle));
      if (deleteWindowMs <= 0 || toDelete.length >= 10) flushDeletes();
      else deleteTimer ??= setTimeout(flushDeletes, deleteWindowMs);
    }
  };
  let next = 0;
  const send = async () => {
    while (running) {
      const id = String(next++);
      const arrived = new Promise<void>((resolve) => waiting.set(id, resolve));
      const sentAt = performance.now();
      await call('SendMessageBatch', {
        QueueUrl,
        Entries: [{ Id: '0', MessageBody: JSON.stringify({ id, sentAt, pad: 'x'.repeat(200) }) }],
      });
      if (measuring) sendMs.push(performance.now() - sentAt);
      await arrived;
      waiting.delete(id);
    }
  };
  const loops = [...Array.from({ length: pollers }, poll), ...Array.from({ length: senders }, send)];
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // warm-up
  measuring = true;
  const cpuBefore = cpuMs(endpoint.pid);
  const clientCpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = cpuMs(endpoint.pid) - cpuBefore;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  running = false;
  for (const resolve of waiting.values()) resolve();
  await Promise.race([Promise.allSettled(loops), new Promise((resolve) => setTimeout(resolve, 1_500))]);
  endpoint.stop();
  hopMs.sort((a, b) => a - b);
  sendMs.sort((a, b) => a - b);
  const f = (value: number) => value.toFixed(3);
  console.log(
    `client ${clientKind}, ${senders} senders, ${pollers} pollers, delete window ${deleteWindowMs} ms, endpoint ${nodeArgs.join(' ') || '(default flags)'}: ` +
      `${Math.round(hopMs.length / elapsed)} msg/s; hop p50 ${f(percentile(hopMs, 50))} ms p99 ${f(percentile(hopMs, 99))} ms; ` +
      `send p50 ${f(percentile(sendMs, 50))} ms; ${(received / Math.max(1, receives)).toFixed(2)} msg/receive; ` +
      `${(deletes / Math.max(1, hopMs.length)).toFixed(2)} deletes/msg; endpoint CPU ${f((cpu * 1000) / Math.max(1, hopMs.length))} µs/msg (${Math.round(cpu / 10 / elapsed)} % of a core); ` +
      `clients' CPU ${f((clientCpu.user + clientCpu.system) / Math.max(1, hopMs.length))} µs/msg`,
  );
  process.exit(0);
}

void main();
