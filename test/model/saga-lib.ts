// The model drives the real saga code, configured with the short windows below: the jest test and
// scripts/explore.ts both call configureModel() before they run it.
import * as config from '../../lib/clients/config';
import * as checkout from '../../lib/domain/checkout';
import * as invariants from '../../lib/domain/invariants';
import * as redis from '../../lib/clients/redis';
import * as replay from '../../lib/saga/recovery';
import * as steps from '../../lib/saga/steps';
import * as inspection from '../../lib/store/inspection';
import * as orderStore from '../../lib/store/order-store';
import * as paymentStore from '../../lib/store/payment-store';
import * as sagaOrder from '../../lib/store/saga-order';
import * as sagaPayment from '../../lib/store/saga-payment';
import * as sagaStock from '../../lib/store/saga-stock';
import * as stockStore from '../../lib/store/stock-store';

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
 * One Redis for every service, the short windows, and any `settings` on top (REDIS_DURABILITY).
 * No queue is needed: the model is the queue (it passes its own `send` to the replay and never
 * calls SQS). Returns every lib module the model touches.
 */
export function configureModel(redisUrl: string, settings: NodeJS.ProcessEnv = {}) {
  const windows = Object.fromEntries(Object.entries(MODEL_WINDOWS).map(([name, value]) => [name, String(value)]));
  const perService = { STOCK_REDIS_URL: '', PAYMENT_REDIS_URL: '', ORDER_REDIS_URL: '', IDS_REDIS_URL: '' };
  config.configure(config.readConfig({ ...process.env, ...perService, ...windows, ...settings, REDIS_URL: redisUrl }));
  return {
    redis,
    config: config.config,
    replay,
    steps,
    checkout,
    orderStore,
    stockStore,
    paymentStore,
    sagaOrder,
    sagaStock,
    sagaPayment,
    inspection,
    invariants,
  };
}

export type SagaLib = ReturnType<typeof configureModel>;
export type SagaMessage = import('../../lib/domain/checkout').SagaMessage;
export type StepName = import('../../lib/saga/steps').StepName;
export type Verdict = import('../../lib/store/saga-order').Verdict;
