import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { SqsEventSource } from './event-source';
import { ensureQueues, queueDefinitions } from './queues';

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

interface LambdaPool {
  create(lambdas: { functionKey: string; functionDefinition: unknown }[]): void;
  get(functionKey: string): { setEvent(event: unknown): void; runHandler(): Promise<unknown> };
  cleanup(): Promise<void>;
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
 *   (see event-source.ts), in the same process as the HTTP functions.
 * Outside `offline start` it does nothing, so `serverless package` and `deploy` are unaffected.
 */
export class OfflineSqsPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private sqs: SQSClient | null = null;
  private queues = new Map<string, { url: string; arn: string }>();
  private readonly sources: SqsEventSource[] = [];
  private lambda: LambdaPool | null = null;

  constructor(
    private readonly serverless: any,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = {
      'before:offline:start:init': () => this.prepare(),
      'offline:start:init': () => this.startEventSources(),
      'before:offline:start:end': () => this.stop(),
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

  private async startEventSources(): Promise<void> {
    if (!this.sqs) return;
    const { default: Lambda } = await import('serverless-offline/lambda');
    const options = { ...(this.service.custom?.['serverless-offline'] ?? {}), ...this.cliOptions };
    this.lambda = new Lambda(this.serverless, options) as LambdaPool;
    const region = this.service.provider.region ?? 'us-east-1';
    const pollers = Number(process.env.OFFLINE_SQS_POLLERS ?? 4);
    for (const functionKey of this.service.getAllFunctions()) {
      const functionDefinition = this.service.getFunction(functionKey);
      this.lambda.create([{ functionKey, functionDefinition }]);
      for (const event of this.service.getAllEventsInFunction(functionKey) ?? []) {
        const config: SqsEventConfig | undefined = event.sqs;
        if (!config) continue;
        const logicalId = logicalIdOf(config.arn);
        const queue = logicalId ? this.queues.get(logicalId) : undefined;
        if (!logicalId || !queue) throw new Error(`offline-sqs: ${functionKey}'s sqs event names no declared queue`);
        const source = new SqsEventSource({
          sqs: this.sqs,
          queueUrl: () => this.queues.get(logicalId)!.url,
          queueArn: queue.arn,
          region,
          batchSize: config.batchSize ?? 10,
          concurrency: config.maximumConcurrency ?? pollers,
          reportBatchItemFailures: config.functionResponseType === 'ReportBatchItemFailures',
          invoke: (sqsEvent: SQSEvent) => {
            const lambdaFunction = this.lambda!.get(functionKey);
            lambdaFunction.setEvent(sqsEvent);
            return lambdaFunction.runHandler();
          },
          onQueueMissing: () => this.createQueues(),
          log: (message) => this.utils.log.warning(`offline-sqs: ${message}`),
        });
        source.start();
        this.sources.push(source);
      }
    }
    this.utils.log.notice(`offline-sqs: ${this.sources.length} SQS event sources polling`);
  }

  private async stop(): Promise<void> {
    await Promise.all(this.sources.map((source) => source.stop()));
    await this.lambda?.cleanup();
    this.sqs?.destroy();
  }
}
