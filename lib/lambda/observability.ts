import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lambdaRuntime } from '../clients/config';
import { logger, serviceNameOf } from '../clients/logger';

// Logs and metrics of every function, the ecosystem's way: Powertools' Logger writes one JSON line
// per call, its Metrics one CloudWatch embedded-metric-format (EMF) blob per flush. One instance of
// each per module, i.e. per function bundle.
//
// Nothing of an invocation is kept in them. serverless-offline (in-process), our SQS event source
// and the tests run many invocations of one module at once, so keys appended to the shared logger
// or metrics left in it until the invocation ends would leak into a concurrent one. Keeping that
// state per invocation the way Lambda's multi-concurrency runtime does (an AsyncLocalStorage)
// cost the local stack ~1.6 ms of CPU per checkout: in Node 20 it puts a hook on every promise of
// the process. So an invocation's keys travel with its `Log` (one object handed down, see
// `withInvocationLog`), and metrics are added and flushed in one synchronous stretch
// (`emitMetrics`). Both work the same on Lambda and locally.

export { MetricUnit, logger, serviceNameOf };

const serviceName = serviceNameOf(lambdaRuntime().functionName);

type LogKeys = Record<string, unknown>;

/** More keys for one line; an error goes under `error`, formatted with its cause by Powertools. */
type Extra = LogKeys | Error;
const attributes = (extra: Extra | undefined): LogKeys => (extra instanceof Error ? { error: extra } : (extra ?? {}));

/** A log whose every line carries the same keys: an invocation's request id, its order, saga, message. */
export class Log {
  constructor(readonly keys: LogKeys = {}) {}
  /** The same log with more keys on every line. */
  with(more: LogKeys): Log {
    return new Log({ ...this.keys, ...more });
  }
  debug(message: string, extra?: Extra): void {
    logger.debug(message, this.keys, attributes(extra));
  }
  info(message: string, extra?: Extra): void {
    logger.info(message, this.keys, attributes(extra));
  }
  warn(message: string, extra?: Extra): void {
    logger.warn(message, this.keys, attributes(extra));
  }
  error(message: string, extra?: Extra): void {
    logger.error(message, this.keys, attributes(extra));
  }
}

let coldStart = true;

/**
 * The keys Powertools' injectLambdaContext would set on the shared logger, named as its formatter
 * names them, on this invocation's log instead.
 */
export function invocationLog(context: Partial<Context> | undefined): Log {
  const keys: LogKeys = {
    function_request_id: context?.awsRequestId,
    function_name: context?.functionName,
    function_arn: context?.invokedFunctionArn,
    function_memory_size: context?.memoryLimitInMB,
    cold_start: coldStart,
  };
  coldStart = false;
  return new Log(keys);
}

/** What the middy chains hand their handler: Lambda's context with the invocation's log. */
export type InvocationContext = Context & { log: Log };

/** Middleware: puts the invocation's log on `context.log` before anything else runs. */
export const withInvocationLog = (): middy.MiddlewareObj<any, any, Error, InvocationContext> => ({
  before: (request) => {
    request.context.log = invocationLog(request.context);
  },
});

// --- metrics ------------------------------------------------------------------------------------

// Publishing warns when there is nothing to publish; other warnings stay.
const NOTHING_TO_FLUSH = 'No application metrics to publish';
const metricsWarnings = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => void (message.startsWith(NOTHING_TO_FLUSH) || logger.warn(message)),
  error: (message: string) => logger.error(message),
};

/** Powertools' Metrics, saying whether it is off (POWERTOOLS_METRICS_DISABLED): then nothing is published. */
class SagashopMetrics extends Metrics {
  get off(): boolean {
    return this.isDisabled();
  }
}

const metrics = new SagashopMetrics({ namespace: 'sagashop', serviceName, logger: metricsWarnings });

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
type Reading = [unit: Unit, value: number | number[]];

/**
 * Publishes readings as one EMF blob with these dimensions (besides `service`). Added and flushed
 * in one synchronous stretch, so nothing of a concurrent invocation can slip in between; a blob
 * holds one value per dimension, so readings of other dimensions go in another call.
 */
export function emitMetrics(dimensions: Record<string, string>, readings: Record<string, Reading>): void {
  // Off (the local default) publishing prints nothing: skip the bookkeeping too.
  if (metrics.off) return;
  for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
  for (const [name, [unit, value]] of Object.entries(readings)) {
    for (const one of [value].flat()) metrics.addMetric(name, unit, one);
  }
  metrics.publishStoredMetrics();
}
