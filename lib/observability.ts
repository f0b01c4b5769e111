import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { AsyncLocalStorage } from 'node:async_hooks';
import { announceConcurrentInvocations, lambdaRuntime } from './config';
import { redactSecrets } from './secrets';

// Logs and metrics of every function, the ecosystem's way: Powertools' Logger writes one JSON line
// per call (with the Lambda context's request id once injectLambdaContext ran), its Metrics one
// CloudWatch embedded-metric-format (EMF) blob per flush. One instance of each per module, i.e.
// per function bundle; the middy chains (lib/http.ts, lib/saga-step.ts, lib/scheduled-task.ts)
// attach their middlewares.

export { MetricUnit };

/**
 * The function's key in serverless.yml (`reserveStock`), from its deployed name
 * (`sagashop-prod-reserveStock`): stable across stages, so alarms can name the metrics'
 * `service` dimension. The keys have no hyphens; stages may. Outside Lambda: "sagashop".
 */
export function serviceNameOf(functionName: string | undefined): string {
  if (!functionName) return 'sagashop';
  return functionName.slice(functionName.lastIndexOf('-') + 1) || functionName;
}

// --- one invocation at a time, as Lambda runs them -------------------------------------------
//
// Powertools keeps the Lambda context, the keys appended during an invocation and the metrics not
// yet flushed per execution environment: right on Lambda, which runs one invocation at a time
// there. With multi-concurrency (AWS_LAMBDA_MAX_CONCURRENCY) the runtime runs each invocation
// inside its InvokeStore (an AsyncLocalStorage) and Powertools keeps that state per invocation.
// serverless-offline (in-process), our SQS event source (@sagashop/offline-sqs) and the tests run
// many invocations of one module at once with no such store: request ids, order ids and metric
// dimensions would leak from one into another. Outside the Lambda runtime we therefore do what
// the runtime does. On Lambda none of this is active (perInvocation returns the chain itself).

class LocalInvokeStore extends InvokeStoreBase {
  private readonly storage = new AsyncLocalStorage<Record<string | symbol, unknown>>();
  getContext() {
    return this.storage.getStore();
  }
  hasContext() {
    return this.storage.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.storage.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`${String(key)} is the runtime's to set`);
    const store = this.storage.getStore();
    if (!store) throw new Error('no invocation context');
    store[key] = value;
  }
  run<T>(context: Record<string | symbol, unknown>, fn: () => T): T {
    return this.storage.run(context, fn);
  }
}

type LambdaGlobal = { InvokeStore?: unknown } & Record<string, unknown>;
const SHARED = Symbol.for('sagashop.localInvokeStore.shared');

/**
 * One store per process, shared by every bundle loaded in it (they share globalThis), and kept
 * on `globalThis.awslambda` whatever is assigned there: serverless-offline's in-process loader,
 * like Lambda's runtime at start-up, assigns a fresh `awslambda` object before it loads a
 * handler, and it does so before every invocation.
 */
function installLocalInvokeStore(): LocalInvokeStore | undefined {
  if (runtime.managed) return undefined; // the runtime's own
  const global = globalThis as typeof globalThis & { [SHARED]?: LocalInvokeStore; awslambda?: LambdaGlobal };
  if (!global[SHARED]) {
    const store = new LocalInvokeStore();
    const keep = (value: LambdaGlobal | undefined) => {
      // Anything there before is the AWS SDK's single-invocation fallback: replaced.
      if (value && typeof value === 'object') value.InvokeStore = store;
      return value;
    };
    let current = keep(global.awslambda ?? {});
    Object.defineProperty(global, 'awslambda', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: LambdaGlobal | undefined) => void (current = keep(value)),
    });
    global[SHARED] = store;
  }
  // The AWS SDK asks for the store on every request; asked now, its copy of the package settles on
  // ours. First asked after the variable below is set, it would load a store of its own first,
  // with a dynamic import that jest's module sandbox refuses (failing every SQS send there).
  void InvokeStore.getInstanceAsync();
  announceConcurrentInvocations();
  return global[SHARED];
}

const runtime = lambdaRuntime();
const localStore = installLocalInvokeStore();

/**
 * The handler a middy chain builds, each invocation run in a store of its own where no runtime
 * provides one. middy's builder methods (`use`, `handler`, ...) return the chain: they hand back
 * the wrapped one instead, so `httpRoute().handler(...)` stays wrapped.
 */
export function perInvocation<T extends (event: any, context: any) => any>(chain: T): T {
  const store = localStore;
  if (!store) return chain;
  const wrapped: T = new Proxy(chain, {
    apply(target, self, args: Parameters<T>) {
      if (store.hasContext()) return Reflect.apply(target, self, args);
      return store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: args[1]?.awsRequestId }, () => Reflect.apply(target, self, args));
    },
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result === target ? wrapped : result;
      };
    },
  });
  return wrapped;
}

// --- the logger and the metrics ---------------------------------------------------------------

const serviceName = serviceNameOf(runtime.functionName);

/**
 * Powertools writes through a console of its own (a `new Console` on process.stdout), not the
 * global one that lib/secrets.ts scrubs: every string of a line, error messages and whatever an
 * error carries (ioredis's failed AUTH command holds the token) included, is scrubbed here.
 */
const scrubSecrets = (_key: string, value: unknown) => (typeof value === 'string' ? redactSecrets(value) : value);

export const logger = new Logger({ serviceName, jsonReplacerFn: scrubSecrets });

// logMetrics flushes after every invocation and warns when there was nothing to flush; most
// routes record no metric, and a warning line per request would be noise. Other warnings stay.
const NOTHING_TO_FLUSH = 'No application metrics to publish';
const metricsWarnings = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => void (message.startsWith(NOTHING_TO_FLUSH) || logger.warn(message)),
  error: (message: string) => logger.error(message),
};

export const metrics = new Metrics({ namespace: 'sagashop', serviceName, logger: metricsWarnings });

// A second instance for what goes out at once: its dimensions and values never mix with those
// `metrics` holds until logMetrics flushes them at the invocation's end.
const immediate = new Metrics({ namespace: 'sagashop', serviceName, logger: metricsWarnings });

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
type Reading = [unit: Unit, value: number | number[]];

/**
 * Metrics whose dimensions differ within one invocation (a batch's records, the replay's actions)
 * go out at once, one EMF blob per dimension set: a blob holds one value per dimension. Added and
 * flushed in one synchronous stretch, so nothing of a concurrent invocation can slip in between.
 */
export function emitMetrics(dimensions: Record<string, string>, readings: Record<string, Reading>): void {
  for (const [name, value] of Object.entries(dimensions)) immediate.addDimension(name, value);
  for (const [name, [unit, value]] of Object.entries(readings)) {
    for (const one of [value].flat()) immediate.addMetric(name, unit, one);
  }
  immediate.publishStoredMetrics();
}
