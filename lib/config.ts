// Configuration is read once, on first use, and fails fast: a Lambda with a bad URL refuses every
// request (a JSON 500 from the one error middleware) rather than answer against the wrong Redis.
// Never at import: a module that throws while loading is answered by some runtimes (serverless-
// offline among them) with a 200 carrying the stack trace. Messages never quote a URL's
// credentials: they end up in the function's log.
import { parseRedisUrl } from './redis-url';
import { redactUrl } from './secrets';

export type Service = 'stock' | 'payment' | 'order' | 'ids';

// The Redis `npm start` runs. Deployed bundles (built with SAGASHOP_BUILD defined as "deployed",
// see lib/faults.ts) have none: a function without REDIS_URL must fail, not try localhost.
export const DEFAULT_REDIS_URL: string | undefined = process.env.SAGASHOP_BUILD === 'deployed' ? undefined : 'redis://127.0.0.1:6390';

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

export function readConfig(env: NodeJS.ProcessEnv = process.env) {
  const retentionMs = positiveInteger(env, 'SAGA_RETENTION_SECONDS', 3600) * 1000;
  const checkoutDeadlineMs = positiveInteger(env, 'CHECKOUT_DEADLINE_MS', 60_000);
  const messageGraceMs = positiveInteger(env, 'MESSAGE_GRACE_MS', 60_000);
  // A message may act until its saga's deadline plus the grace; the saga record, its markers and
  // the log must outlive that moment, or a late message could act on a saga nobody remembers.
  if (retentionMs < checkoutDeadlineMs + messageGraceMs) {
    throw new Error(
      `SAGA_RETENTION_SECONDS (${retentionMs / 1000} s) must be at least CHECKOUT_DEADLINE_MS + MESSAGE_GRACE_MS ` +
        `(${(checkoutDeadlineMs + messageGraceMs) / 1000} s): a late message could otherwise act on a forgotten saga`,
    );
  }
  return Object.freeze({
    /** How long the log keeps entries, and finished sagas and step markers live (default 1 h). */
    retentionMs,
    /** How long a saga may stay open before recovery compensates instead of re-sending. */
    checkoutDeadlineMs,
    /** How long past its saga's deadline a message is still acted on; later ones are refused. */
    messageGraceMs,
    /** Recovery handles a saga only once none of its steps has written for this long. */
    replayStaleMs: positiveInteger(env, 'REPLAY_STALE_MS', 15_000),
    /** How long the HTTP checkout waits for the verdict: well under API Gateway's 29 s. */
    checkoutWaitMs: positiveInteger(env, 'CHECKOUT_WAIT_MS', 20_000),
    redisUrls: Object.freeze({
      stock: redisUrlFor('stock', env),
      payment: redisUrlFor('payment', env),
      order: redisUrlFor('order', env),
      ids: redisUrlFor('ids', env),
    } satisfies Record<Service, string>),
  });
}

export type Config = ReturnType<typeof readConfig>;

let loaded: Config | undefined;

/** The configuration of this process, read from its environment on first use. */
export const config: Config = new Proxy({} as Config, {
  get: (_target, name) => (loaded ??= readConfig())[name as keyof Config],
});
