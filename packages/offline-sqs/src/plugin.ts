import { SQSClient } from '@aws-sdk/client-sqs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OPTIONS_KEY, readOptions, type OfflineSqsOptions } from './options';
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
 * SQS for `serverless offline` (README.md), from the service's own CloudFormation resources:
 * - makes the endpoint named by `custom.offlineSqs.endpoint` hold every AWS::SQS::Queue declared,
 *   dead-letter queues first;
 * - gives environment variables written `{ Ref: SomeQueue }` (a queue URL on AWS) the local URL;
 * - runs every function that has an `sqs` event the way Lambda's event source does
 *   (event-source.ts), in one worker thread beside serverless-offline's HTTP functions.
 * The endpoint is read when serverless offline starts, so a plugin listed before this one may set
 * it then (one that starts the endpoint itself). Outside `offline start` it does nothing.
 */
export class OfflineSqsPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private sqs: SQSClient | null = null;
  private queues = new Map<string, { url: string; arn: string }>();
  private worker: Worker | null = null;
  private options: OfflineSqsOptions = { pollers: 4 };
  /** Where the bundles are, as serverless-offline is told when this plugin prepares. */
  private codeDir = '';

  constructor(
    private readonly serverless: any,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = {
      'before:offline:start:init': () => this.prepare(),
      'offline:start:init': () => this.startEventSources(),
      'before:offline:start:end': () => this.stop(),
      // Plain `serverless offline` runs start, wait and end in one step: the worker ends with the process.
      'before:offline:start': async () => {
        await this.prepare();
        await this.startEventSources();
      },
      // serverless-esbuild rebuilt the bundles: load them afresh on the next invocation.
      'offline:functionsUpdated:cleanup': async () => this.tell({ kind: 'reset' }),
    };
  }

  private get service() {
    return this.serverless.service;
  }

  private get region(): string {
    return this.service.provider.region ?? 'us-east-1';
  }

  /** The SDK signs every request; a local endpoint accepts any key, but there must be one. */
  private get credentials() {
    return {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    };
  }

  private async prepare(): Promise<void> {
    this.options = readOptions(this.service.custom);
    // serverless-esbuild (or any bundler plugin listed before) has set `location` by now.
    const location = this.cliOptions.location ?? this.service.custom?.['serverless-offline']?.location ?? '';
    this.codeDir = resolve(this.serverless.config.servicePath, String(location));
    const { endpoint } = this.options;
    if (!endpoint) {
      this.utils.log.warning(
        `offline-sqs: custom.${OPTIONS_KEY}.endpoint is not set, so no queues were created and no SQS events will run.`,
      );
      return;
    }
    this.sqs = new SQSClient({ endpoint, region: this.region, credentials: this.credentials });
    this.queues = await ensureQueues(this.sqs, queueDefinitions(this.service.resources?.Resources));
    const resolveUrls = (environment: Record<string, unknown> | undefined) => {
      for (const [name, value] of Object.entries(environment ?? {})) {
        const logicalId = logicalIdOf(value);
        if (logicalId && this.queues.has(logicalId)) environment![name] = this.queues.get(logicalId)!.url;
      }
    };
    resolveUrls(this.service.provider.environment);
    for (const functionKey of this.service.getAllFunctions()) resolveUrls(this.service.getFunction(functionKey).environment);
    this.utils.log.notice(`offline-sqs: ${this.queues.size} queues ready at ${endpoint}`);
  }

  private tell(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private functionsToRun(): WorkerSetup['functions'] {
    const { provider } = this.service;
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
          codeDir: this.codeDir,
          timeoutSeconds: definition.timeout ?? provider.timeout ?? 6,
          memorySize: definition.memorySize ?? provider.memorySize ?? 1024,
          region: this.region,
        },
        environment: {
          ...process.env,
          ...provider.environment,
          ...definition.environment,
          IS_OFFLINE: 'true',
        },
        sources: (sqsEvents as { sqs: SqsEventConfig }[]).map(({ sqs: config }) => {
          const logicalId = logicalIdOf(config.arn);
          if (!logicalId || !this.queues.has(logicalId)) throw new Error(`offline-sqs: ${functionKey}'s sqs event names no declared queue`);
          return {
            logicalId,
            batchSize: this.options.batchSize ?? config.batchSize ?? 10,
            concurrency: config.maximumConcurrency ?? this.options.pollers,
            reportBatchItemFailures: config.functionResponseType === 'ReportBatchItemFailures',
          };
        }),
      });
    }
    return functions;
  }

  private async startEventSources(): Promise<void> {
    if (!this.sqs) return;
    const functions = this.functionsToRun();
    if (functions.length === 0) return;
    const setup: WorkerSetup = {
      endpoint: this.options.endpoint!,
      region: this.region,
      credentials: this.credentials,
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

  /** Lets every batch in flight finish (at most 5 s), then ends the worker. */
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
    this.sqs = null;
  }
}
