import type { FunctionSpec } from './direct-invoker';
import type { QueueDefinition } from './queues';

/** What the plugin hands the event-source worker thread when it starts it. */
export interface WorkerSetup {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The declared queues, to re-create them if the endpoint lost them. */
  definitions: QueueDefinition[];
  queues: Record<string, { url: string; arn: string }>;
  functions: {
    spec: FunctionSpec;
    environment: Record<string, string>;
    sources: {
      logicalId: string;
      batchSize: number;
      concurrency: number;
      reportBatchItemFailures: boolean;
    }[];
  }[];
}

/** Messages from the plugin to the worker. */
export type ToWorker = { kind: 'stop' } | { kind: 'reset' };
/** Messages from the worker to the plugin. */
export type FromWorker = { kind: 'started'; sources: number } | { kind: 'stopped' } | { kind: 'log'; message: string };
