// The model drives the real saga code. lib/config reads the environment once (on first use) and
// keeps it, so the short windows below must be in process.env before anything under lib/ reads
// its configuration: the jest test and scripts/explore.ts both call applyModelEnvironment() first,
// then loadSagaLib(), which checks that the windows took.

/**
 * Short windows, so "later than the deadline / the grace / the retention" takes a fraction of a
 * second. They keep the relation the configuration enforces (retention ≥ deadline + grace) with a
 * margin of 100 ms: a checkout's own deadline is never longer than CHECKOUT_DEADLINE_MS (as in
 * lib/saga/checkout.ts), so no message can outlive the markers and the saga record that judge it.
 */
export const MODEL_WINDOWS = {
  CHECKOUT_DEADLINE_MS: 600,
  MESSAGE_GRACE_MS: 300,
  SAGA_RETENTION_SECONDS: 1,
} as const;

/** Milliseconds after which a saga's messages are refused, counted from its begin-checkout. */
export const LONG_DEADLINE_MS = MODEL_WINDOWS.CHECKOUT_DEADLINE_MS;
/** A deadline that has passed by the next command: recovery compensates such a saga at once. */
export const TINY_DEADLINE_MS = 1;
/** A short lock for the replays, so the lock of one that crashed expires within one Wait command. */
export const REPLAY_LOCK_MS = 200;
export const LOCK_KEY = '{order}:recovery:lock';

/**
 * One Redis for every service, and the short windows. No queue is needed: the model is the queue
 * (it passes its own `send` to the replay and never calls SQS).
 */
export function applyModelEnvironment(redisUrl: string): void {
  process.env.REDIS_URL = redisUrl;
  for (const name of ['STOCK_REDIS_URL', 'PAYMENT_REDIS_URL', 'ORDER_REDIS_URL', 'IDS_REDIS_URL']) delete process.env[name];
  for (const [name, value] of Object.entries(MODEL_WINDOWS)) process.env[name] = String(value);
  process.env.AWS_REGION ??= 'us-east-1';
}

/** Every lib module the model touches, loaded after the environment is set. */
export async function loadSagaLib() {
  const [redis, config, replay, steps, checkout, orderStore, stockStore, paymentStore, sagaOrder, sagaStock, sagaPayment, inspection, invariants] =
    await Promise.all([
      import('../../lib/redis'),
      import('../../lib/config'),
      import('../../lib/saga/recovery'),
      import('../../lib/saga/steps'),
      import('../../lib/domain/checkout'),
      import('../../lib/store/order-store'),
      import('../../lib/store/stock-store'),
      import('../../lib/store/payment-store'),
      import('../../lib/store/saga-order'),
      import('../../lib/store/saga-stock'),
      import('../../lib/store/saga-payment'),
      import('../../lib/store/inspection'),
      import('../../lib/domain/invariants'),
    ]);
  const loaded = config.config;
  if (loaded.checkoutDeadlineMs !== MODEL_WINDOWS.CHECKOUT_DEADLINE_MS || loaded.messageGraceMs !== MODEL_WINDOWS.MESSAGE_GRACE_MS) {
    throw new Error('lib/config was read before applyModelEnvironment(): the model needs its short windows');
  }
  return { redis, config: loaded, replay, steps, checkout, orderStore, stockStore, paymentStore, sagaOrder, sagaStock, sagaPayment, inspection, invariants };
}

export type SagaLib = Awaited<ReturnType<typeof loadSagaLib>>;
export type SagaMessage = import('../../lib/domain/checkout').SagaMessage;
export type StepName = import('../../lib/saga/steps').StepName;
export type Verdict = import('../../lib/store/saga-order').Verdict;
