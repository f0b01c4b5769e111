import { SQSClient } from '@aws-sdk/client-sqs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ensureQueues, queueDefinitions } from './queues';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-protocol';

interface PluginLog {
  notice(message: string): void;
  warning(message: string): void;
}

interface SqsEventConfig {
  arn: unknown;
  batchSize?: number;
  maximumConcurrency?: number;
  functionResponseType?: string;
}

/** Logical id of the queue an event's `arn` names: `{ Fn::GetAtt: [Id, Arn] }` or `{ Ref: Id }`. */
function logicalIdOf(arn: unknown): string | undefined {
  if (arn && typeof arn === 'object') {
    const getAtt = (arn as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return String(getAtt[0]);
    const ref = (arn as Record<string, unknown>).Ref;
    if (typeof ref === 'string') return ref;
  }
  return undefined;
}

/**
 * serverless-offline's companion for SQS, for `serverless offline start`:
 * - makes the endpoint named by SQS_ENDPOINT hold every queue serverless.yml declares;
 * - gives environment variables written `{ Ref: SomeQueue }` (a queue URL on AWS) the local URL;
 * - runs every function that has an `sqs` event the way Lambda's event source does
 *   (see event-source.ts), in one worker thread beside serverless-offline's HTTP functions.
 * Outside `offline start` it does nothing, so `serverless package` and `deploy` are unaffected.
 */
export class OfflineSqsPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private sqs: SQSClient | null = null;
  private queues = new Map<string, { url: string; arn: string }>();
  private worker: Worker | null = null;

  constructor(
    private readonly serverless: any,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = {
      'before:offline:start:init': () => this.prepare(),
      'offline:start:init': () => this.startEventSources(),
      'before:offline:start:end': () => this.stop(),
      // serverless-esbuild rebuilt the bundles: load them afresh on the next invocation.
      'offline:functionsUpdated:cleanup': async () => this.tell({ kind: 'reset' }),
    };
  }

  private get service() {
    return this.serverless.service;
  }

  private async createQueues(): Promise<void> {
    this.queues = await ensureQueues(this.sqs!, queueDefinitions(this.service.resources?.Resources));
  }

  private async prepare(): Promise<void> {
    const endpoint = process.env.SQS_ENDPOINT;
    if (!endpoint) {
      this.utils.log.warning('offline-sqs: SQS_ENDPOINT is not set, so no queues were created and no SQS events will run.');
      return;
    }
    this.sqs = new SQSClient({
      endpoint,
      region: this.service.provider.region ?? 'us-east-1',
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
    });
    await this.createQueues();
    const resolve = (environment: Record<string, unknown> | undefined) => {
      for (const [name, value] of Object.entries(environment ?? {})) {
        const logicalId = logicalIdOf(value);
        if (logicalId && this.queues.has(logicalId)) environment![name] = this.queues.get(logicalId)!.url;
      }
    };
    resolve(this.service.provider.environment);
    for (const functionKey of this.service.getAllFunctions()) resolve(this.service.getFunction(functionKey).environment);
    this.utils.log.notice(`offline-sqs: ${this.queues.size} queues ready at ${endpoint}`);
  }

  private tell(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private async startEventSources(): Promise<void> {
    if (!this.sqs) return;
    const { provider } = this.service;
    const region = provider.region ?? 'us-east-1';
    const offlineOptions = { ...(this.service.custom?.['serverless-offline'] ?? {}), ...this.cliOptions };
    // serverless-esbuild points `location` at its build folder.
    const codeDir = resolve(this.serverless.config.servicePath, String(offlineOptions.location ?? ''));
    const maxPollers = Number(process.env.OFFLINE_SQS_POLLERS ?? 4);
    const functions: WorkerSetup['functions'] = [];
    for (const functionKey of this.service.getAllFunctions()) {
      const definition = this.service.getFunction(functionKey);
      const sqsEvents = (this.service.getAllEventsInFunction(functionKey) ?? []).filter((event: { sqs?: unknown }) => event.sqs);
      if (sqsEvents.length === 0) continue;
      functions.push({
        spec: {
          functionKey,
          name: definition.name,
          handler: definition.handler,
          codeDir,
          timeoutSeconds: definition.timeout ?? provider.timeout ?? 6,
          memorySize: definition.memorySize ?? provider.memorySize ?? 1024,
          region,
        },
        environment: { ...process.env, ...provider.environment, ...definition.environment, IS_OFFLINE: 'true' },
        sources: (sqsEvents as { sqs: SqsEventConfig }[]).map(({ sqs: config }) => {
          const logicalId = logicalIdOf(config.arn);
          if (!logicalId || !this.queues.has(logicalId)) throw new Error(`offline-sqs: ${functionKey}'s sqs event names no declared queue`);
          return {
            logicalId,
            // OFFLINE_SQS_BATCH_SIZE=1 suits local-aws-sqs, whose long poll waits for a full batch.
            batchSize: Number(process.env.OFFLINE_SQS_BATCH_SIZE ?? config.batchSize ?? 10),
            concurrency: config.maximumConcurrency ?? maxPollers,
            reportBatchItemFailures: config.functionResponseType === 'ReportBatchItemFailures',
          };
        }),
      });
    }
    if (functions.length === 0) return;
    const setup: WorkerSetup = {
      endpoint: process.env.SQS_ENDPOINT!,
      region,
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
      definitions: queueDefinitions(this.service.resources?.Resources),
      queues: Object.fromEntries(this.queues),
      functions,
    };
    const worker = new Worker(join(__dirname, 'worker.cjs'), { workerData: setup });
    this.worker = worker;
    await new Promise<void>((started, failed) => {
      worker.once('error', failed);
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'log') this.utils.log.warning(`offline-sqs: ${message.message}`);
        if (message.kind === 'started') {
          this.utils.log.notice(`offline-sqs: ${message.sources} SQS event sources polling in a worker thread`);
          started();
        }
      });
    });
    worker.on('error', (error) => this.utils.log.warning(`offline-sqs: the event-source worker failed: ${error.message}`));
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      const stopped = new Promise<void>((done) => worker.on('message', (message: FromWorker) => message.kind === 'stopped' && done()));
      worker.postMessage({ kind: 'stop' } satisfies ToWorker);
      await Promise.race([stopped, new Promise((done) => setTimeout(done, 5_000))]);
      await worker.terminate();
    }
    this.sqs?.destroy();
  }
}
