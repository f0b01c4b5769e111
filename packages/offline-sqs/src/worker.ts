// The offline SQS event sources and the functions they invoke, in a worker thread of their own:
// the HTTP functions keep the main thread, the saga steps get the machine's other core.
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsClient } from '@sagashop/sqs-client';
import { parentPort, workerData } from 'node:worker_threads';
import { directInvoker } from './direct-invoker';
import { SqsEventSource } from './event-source';
import { ensureQueues } from './queues';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-protocol';

const setup = workerData as WorkerSetup;
const post = (message: FromWorker) => parentPort!.postMessage(message);
const log = (message: string) => post({ kind: 'log', message });

// Receives and deletes go through our own client (they are most of this thread's SQS work); the
// rare re-creation of lost queues keeps the AWS SDK.
const messages = new SqsClient({
  endpoint: setup.endpoint,
  region: setup.region,
  credentials: setup.credentials,
});
const sqs = new SQSClient({ endpoint: setup.endpoint, region: setup.region, credentials: setup.credentials });
const queues = new Map(Object.entries(setup.queues));
let recreating: Promise<void> | null = null;
const recreateQueues = () =>
  (recreating ??= ensureQueues(sqs, setup.definitions)
    .then((created) => created.forEach((queue, logicalId) => queues.set(logicalId, queue)))
    .finally(() => (recreating = null)));

const invokers = setup.functions.map(({ spec, environment }) => {
  // One environment for the whole thread, as in serverless-offline's in-process mode.
  Object.assign(process.env, environment);
  return directInvoker(spec);
});

const sources = setup.functions.flatMap(({ spec, sources: configs }, index) =>
  configs.map(
    (config) =>
      new SqsEventSource({
        sqs: messages,
        queueUrl: () => queues.get(config.logicalId)!.url,
        queueArn: queues.get(config.logicalId)!.arn,
        region: setup.region,
        batchSize: config.batchSize,
        concurrency: config.concurrency,
        reportBatchItemFailures: config.reportBatchItemFailures,
        invoke: (event) => invokers[index].invoke(event),
        onQueueMissing: recreateQueues,
        log: (message) => log(`${spec.functionKey}: ${message}`),
      }),
  ),
);

parentPort!.on('message', (message: ToWorker) => {
  if (message.kind === 'reset') invokers.forEach((invoker) => invoker.reset());
  if (message.kind === 'stop') {
    void Promise.all(sources.map((source) => source.stop())).then(() => {
      messages.destroy();
      sqs.destroy();
      post({ kind: 'stopped' });
    });
  }
});

sources.forEach((source) => source.start());
post({ kind: 'started', sources: sources.length });
