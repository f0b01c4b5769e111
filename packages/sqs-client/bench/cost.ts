// What one SQS call costs this process's CPU, with our client and with the AWS SDK v3, against
// @sagashop/sqs-endpoint in a process of its own (its CPU is not counted here):
//   npx tsx packages/sqs-client/bench/cost.ts [rounds=3000] [loops=1]
// Each round is what a saga hop does: SendMessageBatch (one message), ReceiveMessage, DeleteMessageBatch.
// The two clients take turns, three times each, so a machine's load falls on both alike.
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_ENDPOINT_BIN } from '@sagashop/sqs-endpoint';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SqsClient } from '../src';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const rounds = Number(process.argv[2] ?? 3000);
const concurrency = Number(process.argv[3] ?? 1);
const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };
const body = JSON.stringify({
  sagaId: '0123456789abcdef',
  orderId: 'o-1',
  userId: 'u-1',
  items: [['i-1', 1]],
  totalCost: 1,
  deadline: Date.now(),
});

interface Hop {
  send(url: string): Promise<unknown>;
  receive(url: string): Promise<string[]>;
  remove(url: string, handles: string[]): Promise<unknown>;
}

function ours(endpoint: string): Hop & { close(): void } {
  const sqs = new SqsClient({ endpoint, region: 'us-east-1', credentials });
  return {
    send: (url) => sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: body }] }),
    receive: async (url) =>
      (
        await sqs.receiveMessage({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        })
      ).Messages.map((m) => m.ReceiptHandle),
    remove: (url, handles) =>
      sqs.deleteMessageBatch({
        QueueUrl: url,
        Entries: handles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
      }),
    close: () => sqs.destroy(),
  };
}

function sdk(endpoint: string): Hop & { close(): void } {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3 });
  return {
    send: (url) => sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: '0', MessageBody: body }] })),
    receive: async (url) =>
      (
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              AttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
          )
        ).Messages ?? []
      ).map((m) => m.ReceiptHandle!),
    remove: (url, handles) =>
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: handles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
        }),
      ),
    close: () => sqs.destroy(),
  };
}

async function measure(hop: Hop, url: string) {
  let left = rounds;
  const loop = async () => {
    while (left-- > 0) {
      await hop.send(url);
      const handles = await hop.receive(url);
      if (handles.length > 0) await hop.remove(url, handles);
    }
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const used = process.cpuUsage(cpu);
  return {
    cpuUsPerRound: (used.user + used.system) / rounds,
    wallMsPerRound: ((performance.now() - start) * concurrency) / rounds,
  };
}

async function main() {
  const child = spawn(process.execPath, [SQS_ENDPOINT_BIN, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', (line) => resolve(/(http:\S+)/.exec(line)![1])),
  );
  try {
    const setup = new SQSClient({ endpoint, region: 'us-east-1', credentials });
    const url = (await setup.send(new CreateQueueCommand({ QueueName: 'cost' }))).QueueUrl!;
    setup.destroy();
    const results: Record<string, { cpuUsPerRound: number; wallMsPerRound: number }[]> = {
      ours: [],
      sdk: [],
    };
    for (let turn = 0; turn < 4; turn++) {
      for (const [name, make] of [
        ['sdk', sdk],
        ['ours', ours],
      ] as const) {
        const hop = make(endpoint);
        const result = await measure(hop, url);
        hop.close();
        if (turn > 0) results[name].push(result); // turn 0 warms the JIT up
      }
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const [name, runs] of Object.entries(results)) {
      console.log(
        `${name.padEnd(4)}  CPU per hop (send + receive + delete): ${median(runs.map((r) => r.cpuUsPerRound)).toFixed(0)} µs` +
          `  [runs: ${runs.map((r) => r.cpuUsPerRound.toFixed(0)).join(', ')}]  wall per hop ${median(runs.map((r) => r.wallMsPerRound)).toFixed(2)} ms`,
      );
    }
  } finally {
    child.kill();
  }
}

void main();
