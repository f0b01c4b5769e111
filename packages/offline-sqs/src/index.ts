// The public API of @sagashop/offline-sqs (README.md): the serverless plugin (plugin.cjs loads it
// for the Framework) and the pieces it is made of, for use without the Framework.
export { OfflineSqsPlugin } from './plugin';
export { OPTIONS_KEY, readOptions, type OfflineSqsOptions } from './options';
export { SqsEventSource, messagesToDelete, toRecord, type EventSourceOptions } from './event-source';
export { ensureQueues, queueDefinitions, type QueueDefinition } from './queues';
export { directInvoker, type FunctionSpec } from './direct-invoker';
