import { SQSClient } from '@aws-sdk/client-sqs';
import { join, relative, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OfflineStack, unreachable } from '../stack/offline-stack';
import { writeGuards } from './guard-files';
import { ensureQueues, queueDefinitions } from './queues';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-protocol';

const httpGuard: { idle(timeoutMs: number): Promise<void> } = require('./http-guard.cjs');

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
 * serverless-offline's companion, for `serverless offline start`:
 * - on stage local, starts Redis and the SQS endpoint when REDIS_URL / SQS_ENDPOINT name none, as
 *   `npm start` does (../stack/offline-stack.ts), and stops them with serverless offline; a
 *   dependency that cannot be reached stops the start with one line;
 * - serves every HTTP function through a guard (http-guard.cjs): no failure answers 2xx;
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
  private stack: OfflineStack | null = null;
  /** Where the bundles are (serverless-offline itself is pointed at the guard's stand-ins). */
  private codeDir = '';
  /** From here on serverless-offline's own signal listener ends the run, through our end hook. */
  private ready = false;

  constructor(
    private readonly serverless: any,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: { log: PluginLog },
  ) {
    this.hooks = {
      // Before serverless-esbuild's bundling: a Redis or SQS endpoint named but down fails at once.
      initialize: () => this.failFast(),
      'before:offline:start:init': () => this.prepare(),
      'offline:start:init': () => this.startEventSources(),
      'offline:start:ready': async () => {
        this.ready = true;
      },
      'before:offline:start:end': () => this.stop(),
      // Plain `serverless offline` runs start, wait and end in one step that others cannot hook
      // into: what we started stops at exit (OfflineStack.stopNow).
      'before:offline:start': async () => {
        await this.prepare();
        await this.startEventSources();
        this.ready = true;
      },
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

  private get isLocalOffline(): boolean {
    return this.serverless.processedInput?.commands?.[0] === 'offline' && this.service.provider.stage === 'local';
  }

  /** What the functions will see: the shell's environment under serverless.yml's. */
  private functionsEnv(): NodeJS.ProcessEnv {
    const strings = Object.entries(this.service.provider.environment ?? {}).filter(([, value]) => typeof value === 'string');
    return { ...process.env, ...(Object.fromEntries(strings) as Record<string, string>) };
  }

  /** Every failure is one line and exit 1: serving with a dependency missing would answer 5xx to every request. */
  private async fail(error: unknown): Promise<never> {
    await this.stack?.stop();
    process.stderr.write(`sagashop: serverless offline cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }

  private async failFast(): Promise<void> {
    if (!this.isLocalOffline) return;
    const problem = await unreachable(this.functionsEnv(), new OfflineStack(() => {}).given);
    if (problem) await this.fail(new Error(problem));
  }

  private async prepare(): Promise<void> {
    try {
      if (this.isLocalOffline) await this.startLocalStack();
      this.guardHttpFunctions();
      await this.prepareQueues();
    } catch (error) {
      await this.fail(error);
    }
  }

  private async startLocalStack(): Promise<void> {
    const stack = new OfflineStack((line) => this.utils.log.notice(line));
    if (stack.needed) {
      this.stack = stack;
      process.once('exit', () => stack.stopNow());
      this.watchSignals();
    }
    const environment: Record<string, unknown> = (this.service.provider.environment ??= {});
    const started = await stack.start();
    Object.assign(process.env, started);
    Object.assign(environment, started);
    // The SDK signs every request; a local endpoint accepts any key, but there must be one. Its
    // notice that 2027 releases need Node 22 would print from every function (npm start says the same).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    process.env.AWS_REGION ??= this.service.provider.region ?? 'us-east-1';
    // What the environment named was checked at `initialize`; now the rest, as the functions will see it.
    const problem = stack.needed ? await unreachable(this.functionsEnv()) : undefined;
    if (problem) throw new Error(problem);
  }

  /**
   * A signal while starting stops what was started and exits. Once serving, serverless-offline's
   * own SIGINT/SIGTERM listener ends the run (through before:offline:start:end, so our parts stop
   * in order); SIGHUP, which it ignores, is passed on as SIGTERM.
   */
  private watchSignals(): void {
    let stopping = false;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (this.ready) {
          if (signal === 'SIGHUP') process.kill(process.pid, 'SIGTERM');
          return;
        }
        if (stopping) return;
        stopping = true;
        this.utils.log.notice(`sagashop: ${signal} while starting; stopping what was started`);
        void Promise.resolve(this.stack?.stop()).finally(() => process.exit(130));
      });
    }
  }

  /** Points serverless-offline at stand-ins that guard every HTTP handler (guard-files.ts). */
  private guardHttpFunctions(): void {
    const servicePath: string = this.serverless.config.servicePath;
    const custom = (this.service.custom ??= {});
    const offline = (custom['serverless-offline'] ??= {});
    // serverless-esbuild has set `location` to its build folder by now.
    this.codeDir = resolve(servicePath, String(this.cliOptions.location ?? offline.location ?? ''));
    const functions = this.service.getAllFunctions().map((functionKey: string) => ({
      functionKey,
      handler: this.service.getFunction(functionKey).handler,
      http: (this.service.getAllEventsInFunction(functionKey) ?? []).some((event: Record<string, unknown>) => event.httpApi || event.http),
    }));
    const location = relative(servicePath, writeGuards(this.codeDir, functions.filter((fn: { handler?: unknown }) => typeof fn.handler === 'string')));
    offline.location = location;
    if (this.cliOptions.location !== undefined) this.cliOptions.location = location;
  }

  private async prepareQueues(): Promise<void> {
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
    const codeDir = this.codeDir;
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
    // Requests inside a function finish first, as under npm start, whose launcher stops the API
    // before the rest; then the event sources, the SQS endpoint, and Redis last.
    if (this.stack) await httpGuard.idle(5_000);
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      const stopped = new Promise<void>((done) => worker.on('message', (message: FromWorker) => message.kind === 'stopped' && done()));
      worker.postMessage({ kind: 'stop' } satisfies ToWorker);
      await Promise.race([stopped, new Promise((done) => setTimeout(done, 5_000))]);
      await worker.terminate();
    }
    this.sqs?.destroy();
    await this.stack?.stop();
  }
}
