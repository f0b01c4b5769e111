// The one module that reads the environment. Configuration is read once, validated, and fails
// fast: a Lambda with a bad URL refuses every request (a JSON 500 from the one error middleware)
// rather than answer against the wrong Redis. Never at import: a module that throws while loading
// is answered by some runtimes (serverless-offline among them) with a 200 carrying the stack
// trace. So `config` reads `process.env` on first use, unless `configure()` handed it one before
// (scripts and tests that want other settings: no module reset, no import order to respect).
// Messages never quote a URL's credentials: they end up in the function's log.
import { parseRedisUrl } from './redis-url';
import { SAGA } from '../saga/definition';
import { readQueueUrls } from '../saga/queues-config';
import type { StepName } from '../saga/steps';
import { redactUrl } from './secrets';

export type Service = 'stock' | 'payment' | 'order' | 'ids';

declare global {
  /**
   * A build constant, not the environment: deployed stages build with esbuild's define turning
   * `globalThis.SAGASHOP_BUILD` into "deployed" (DEPLOYED_BUILD_DEFINE), so each condition on it
   * is a constant there and syntax minification drops the branch it rules out: the fault
   * injection (lib/lambda/faults.ts) and the local Redis default (test/deploy/bundles.test.ts checks the
   * bundle text). Undefined everywhere else.
   */
  var SAGASHOP_BUILD: 'deployed' | undefined;
}

/** What deploy/stage-settings.ts hands esbuild for deployed stages. */
export const DEPLOYED_BUILD_DEFINE = { 'globalThis.SAGASHOP_BUILD': '"deployed"' };

/** The port of the Redis `npm start` runs, and where every local tool looks for it. */
export const LOCAL_REDIS_PORT = 6390;
export const localRedisUrl = (port: number | string = LOCAL_REDIS_PORT) => `redis://127.0.0.1:${port}`;

// Deployed bundles have no default Redis: a function without REDIS_URL must fail, not try localhost.
export const DEFAULT_REDIS_URL: string | undefined = globalThis.SAGASHOP_BUILD === 'deployed' ? undefined : localRedisUrl();

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function checkedRedisUrl(name: string, value: string): string {
  try {
    parseRedisUrl(value);
  } catch (error) {
    throw new Error(`${name} ${(error as Error).message} (got ${redactUrl(value)})`);
  }
  return value;
}

function redisUrlFor(service: Service, env: NodeJS.ProcessEnv): string {
  const specific = `${service.toUpperCase()}_REDIS_URL`;
  const own = nonEmpty(env[specific]);
  if (own) return checkedRedisUrl(specific, own);
  // The id counter is tiny: without a Redis of its own it lives beside the orders.
  const ordersOwn = nonEmpty(env.ORDER_REDIS_URL);
  if (service === 'ids' && ordersOwn) return checkedRedisUrl('ORDER_REDIS_URL', ordersOwn);
  const url = nonEmpty(env.REDIS_URL) ?? DEFAULT_REDIS_URL;
  if (url === undefined) throw new Error(`REDIS_URL is not set (nor ${specific}): a deployed function has no default Redis`);
  return checkedRedisUrl('REDIS_URL', url);
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number (got ${raw})`);
  return value;
}

export interface FaultInjection {
  /** The crash points armed (lib/lambda/faults.ts); none unless SAGASHOP_CRASH_AT names some. */
  crashAt: readonly string[];
  /** The chance that an armed point crashes the process when reached. */
  probability: number;
}

function readFaultInjection(env: NodeJS.ProcessEnv): FaultInjection {
  const crashAt = (nonEmpty(env.SAGASHOP_CRASH_AT) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const raw = nonEmpty(env.SAGASHOP_CRASH_PROBABILITY);
  const probability = raw === undefined ? 1 : Number(raw);
  if (!(probability >= 0 && probability <= 1)) throw new Error(`SAGASHOP_CRASH_PROBABILITY must be between 0 and 1 (got ${raw})`);
  return Object.freeze({ crashAt: Object.freeze(crashAt), probability });
}

/**
 * What the store must have done with a write before anything acts on it (docs/durability.md):
 * `fsync`, each Redis fsyncs its append-only file first (appendfsync always, else WAITAOF);
 * `replicas`, N replicas acknowledged it (WAIT); `memorydb`, the store acknowledges only durable
 * writes; `none`, nothing beyond the process crash (warned about at first use).
 */
export type Durability =
  { mode: 'fsync' } | { mode: 'replicas'; replicas: number; timeoutMs: number } | { mode: 'memorydb' } | { mode: 'none' };

export const DURABILITY_CHOICES = 'fsync, replicas:N (or replicas:N:timeoutMs), memorydb, none';
/** How long a write waits for its replicas before the step fails and is retried. */
export const DEFAULT_REPLICA_TIMEOUT_MS = 1000;
/** The local stage's store: the Redis npm start runs fsyncs every write (appendfsync always). */
export const LOCAL_DURABILITY = 'fsync';

/** Reads a durability setting; throws a sentence naming the choices. */
export function parseDurability(raw: string): Durability {
  const value = raw.trim();
  if (value === 'fsync' || value === 'memorydb' || value === 'none') return { mode: value };
  const replicas = /^replicas:([1-9]\d{0,2})(?::([1-9]\d{0,5}))?$/.exec(value);
  if (replicas)
    return {
      mode: 'replicas',
      replicas: Number(replicas[1]),
      timeoutMs: Number(replicas[2] ?? DEFAULT_REPLICA_TIMEOUT_MS),
    };
  throw new Error(`must be one of ${DURABILITY_CHOICES} (got ${JSON.stringify(value)})`);
}

function readDurability(env: NodeJS.ProcessEnv): Durability {
  // Deployed stages always name it (deploy/stage-settings.ts): no default that could be wrong there.
  const raw = nonEmpty(env.REDIS_DURABILITY) ?? (globalThis.SAGASHOP_BUILD === 'deployed' ? undefined : LOCAL_DURABILITY);
  if (raw === undefined) throw new Error(`REDIS_DURABILITY is not set: a deployed function must be told one of ${DURABILITY_CHOICES}`);
  try {
    return Object.freeze(parseDurability(raw));
  } catch (error) {
    throw new Error(`REDIS_DURABILITY ${(error as Error).message}`);
  }
}

/** How long the HTTP checkout waits for its verdict by default: well under API Gateway's 29 s. */
export const DEFAULT_CHECKOUT_WAIT_MS = 20_000;

const NO_FAULTS: FaultInjection = Object.freeze({ crashAt: Object.freeze([]), probability: 0 });

/**
 * How much longer than the deadline plus the grace step markers, saga records and log entries must
 * live: a tenth of those windows (12 s for the default 2 minutes). The clocks that stamp and judge
 * a saga's ages are Redis servers' (never a replay host's), which NTP keeps within milliseconds of
 * each other; a tenth leaves room for a host whose clock has drifted by seconds, and scales with
 * the windows, so short test windows stay short. On one Redis there is no skew at all.
 */
export function retentionMarginMs(checkoutDeadlineMs: number, messageGraceMs: number): number {
  return Math.ceil((checkoutDeadlineMs + messageGraceMs) / 10);
}

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  let queueUrls: Record<StepName, string> | undefined;
  const retentionMs = positiveInteger(env, 'SAGA_RETENTION_SECONDS', 3600) * 1000;
  const checkoutDeadlineMs = positiveInteger(env, 'CHECKOUT_DEADLINE_MS', SAGA.deadlineMs);
  const messageGraceMs = positiveInteger(env, 'MESSAGE_GRACE_MS', 60_000);
  // A message may act until its saga's deadline plus the grace; the saga record, its markers and
  // the log must outlive that moment, or a late message could act on a saga nobody remembers.
  // Every age is judged by a Redis clock, but not always the same Redis's: the deadline is stamped
  // by the order Redis, a step judges it by its own service's Redis, and the sweep by the order
  // Redis again. The margin covers the difference between those clocks (and a failover's new host).
  const marginMs = retentionMarginMs(checkoutDeadlineMs, messageGraceMs);
  if (retentionMs < checkoutDeadlineMs + messageGraceMs + marginMs) {
    throw new Error(
      `SAGA_RETENTION_SECONDS (${retentionMs / 1000} s) must be at least CHECKOUT_DEADLINE_MS + MESSAGE_GRACE_MS ` +
        `+ a margin of a tenth of them for the Redis servers' clocks (${(checkoutDeadlineMs + messageGraceMs + marginMs) / 1000} s): ` +
        'a late message could otherwise act on a forgotten saga',
    );
  }
  return Object.freeze({
    /** How long the log keeps entries, and finished sagas and step markers live (default 1 h). */
    retentionMs,
    /** How long a saga may stay open before recovery compensates instead of re-sending. */
    checkoutDeadlineMs,
    /** How long past its saga's deadline a message is still acted on; later ones are refused. */
    messageGraceMs,
    /** Skew allowed between the Redis servers' clocks (see retentionMarginMs). */
    clockMarginMs: marginMs,
    /** Recovery handles a saga only once none of its steps has written for this long. */
    replayStaleMs: positiveInteger(env, 'REPLAY_STALE_MS', 15_000),
    /** The saga queues' visibility timeout (a stage may shorten it locally): a failed record's
     * retry backoff never waits longer than the queue would have (lib/saga/retry.ts). */
    queueVisibilityTimeoutSeconds: positiveInteger(env, 'QUEUE_VISIBILITY_TIMEOUT', SAGA.queues.visibilityTimeoutSeconds),
    /** How long the HTTP checkout waits for the verdict: well under API Gateway's 29 s. */
    checkoutWaitMs: positiveInteger(env, 'CHECKOUT_WAIT_MS', DEFAULT_CHECKOUT_WAIT_MS),
    redisUrls: Object.freeze({
      stock: redisUrlFor('stock', env),
      payment: redisUrlFor('payment', env),
      order: redisUrlFor('order', env),
      ids: redisUrlFor('ids', env),
    } satisfies Record<Service, string>),
    /** What each write must be before it is acted on (REDIS_DURABILITY; lib/store/durability.ts). */
    durability: readDurability(env),
    /** The local SQS endpoint; unset on AWS, where the SDK uses the region's own. */
    sqsEndpoint: nonEmpty(env.SQS_ENDPOINT),
    /** The function's region (Lambda sets AWS_REGION): what SQS requests are signed for. */
    awsRegion: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    /** The SSM parameter holding the Redis AUTH token (AWS stages); local URLs carry their own. */
    redisAuthParameter: nonEmpty(env.REDIS_AUTH_PARAMETER),
    /**
     * Every saga step's queue URL, checked when first asked for: only the functions that send a
     * saga message need them, and a function without them must still answer what it can.
     */
    get queueUrls(): Record<StepName, string> {
      return (queueUrls ??= Object.freeze(readQueueUrls(env)));
    },
    faultInjection: globalThis.SAGASHOP_BUILD === 'deployed' ? NO_FAULTS : readFaultInjection(env),
  });
}

export type Config = ReturnType<typeof readConfig>;

let current: Config | undefined;

/** The configuration of this process: the one `configure()` was given, else its environment's, read on first use. */
export const config: Config = new Proxy({} as Config, {
  get: (_target, name) => (current ??= readConfig())[name as keyof Config],
});

/** Hands this process its configuration, e.g. `configure(readConfig({ ...process.env, REPLAY_STALE_MS: '0' }))`. */
export function configure(next: Config): void {
  current = next;
}

/**
 * What the Lambda runtime (or serverless-offline) tells a process about itself; not settings, and
 * nothing here can fail. Read once, when lib/lambda/observability.ts builds the logger.
 */
export function lambdaRuntime(env: NodeJS.ProcessEnv = process.env) {
  return {
    functionName: nonEmpty(env.AWS_LAMBDA_FUNCTION_NAME),
  };
}
