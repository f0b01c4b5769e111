import { randomBytes } from 'node:crypto';
import createError, { isHttpError } from 'http-errors';
import { config } from '../config';
import { crashPoint } from '../faults';
import { Refusal, refused } from '../domain/errors';
import { logger, metrics, MetricUnit } from '../observability';
import { newId } from '../store/ids-store';
import { beginCheckout, type Verdict } from '../store/saga-order';
import { sendToStep } from './queues';
import { waitForVerdict } from './verdict-waiter';

/** How a checkout ended, as the Checkouts metric counts it: 200, 4xx, 504, anything else. */
export type CheckoutVerdict = 'paid' | 'refused' | 'timeout' | 'error';

const verdictOf = (error: unknown): CheckoutVerdict => {
  if (error instanceof Refusal) return 'refused';
  return isHttpError(error) && error.statusCode === 504 ? 'timeout' : 'error';
};

/**
 * Runs the checkout saga of one order and returns once it is paid; throws a refusal (400/404/409)
 * or, only when the outcome is still open at the wait's end, a 504. A checkout that finds another
 * checkout of the same order running shares that one's verdict instead of starting a second.
 *
 * Records Checkouts and CheckoutLatency by Verdict (flushed by the route's logMetrics) and logs
 * one line with the verdict; from the saga's start on, every line carries its id.
 */
export async function checkout(orderId: string): Promise<void> {
  const started = performance.now();
  let verdict: CheckoutVerdict = 'paid';
  try {
    await runCheckout(orderId);
  } catch (error) {
    verdict = verdictOf(error);
    throw error;
  } finally {
    const latencyMs = performance.now() - started;
    metrics.addDimension('Verdict', verdict);
    metrics.addMetric('Checkouts', MetricUnit.Count, 1);
    metrics.addMetric('CheckoutLatency', MetricUnit.Milliseconds, latencyMs);
    logger.info(`checkout ${verdict}`, { verdict, latencyMs: Math.round(latencyMs * 10) / 10 });
  }
}

async function runCheckout(orderId: string): Promise<void> {
  const deadline = Date.now() + config.checkoutWaitMs;
  const begun = await beginCheckout(orderId, await newSagaId());
  if (begun.kind === 'running') {
    logger.appendKeys({ sagaId: begun.sagaId, joined: true });
    return settle(orderId, await waitForVerdict(begun.sagaId, deadline));
  }
  const { sagaId } = begun.facts;
  // Keys appended here belong to this invocation (the route's chain resets them afterwards).
  logger.appendKeys({ sagaId });
  logger.debug('checkout began its saga');
  const waiting = waitForVerdict(sagaId, deadline);
  waiting.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  crashPoint('after-begin-before-send');
  try {
    await sendToStep('reserve-stock', begun.facts);
  } catch (error) {
    // The saga is recorded and open: recovery will re-send or compensate it. Its outcome is open.
    logger.error('checkout: the first message could not be sent; recovery will finish or cancel the saga', error as Error);
    throw createError(503, `The checkout of order ${orderId} could not be started now; recovery will finish or cancel it.`);
  }
  return settle(orderId, await waiting);
}

/**
 * A saga id that is unique even if the id counter went back: a reused saga id would find the
 * step markers of the earlier saga and take their outcomes for its own.
 */
async function newSagaId(): Promise<string> {
  return `${await newId()}-${randomBytes(6).toString('base64url')}`;
}

function settle(orderId: string, verdict: Verdict | null): void {
  if (verdict === null) {
    throw createError(504, `The checkout of order ${orderId} is still in progress; look it up with GET /orders/find/${orderId}.`);
  }
  if (verdict.verdict === 'refused') throw refused(verdict.reason);
}
