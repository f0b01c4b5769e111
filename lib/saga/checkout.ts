import { randomBytes } from 'node:crypto';
import createError, { isHttpError } from 'http-errors';
import { config } from '../clients/config';
import { crashPoint } from '../lambda/faults';
import { Refusal, refused } from '../domain/errors';
import { emitMetrics, MetricUnit, type Log } from '../lambda/observability';
import { newId } from '../store/ids-store';
import { beginCheckout, type Verdict } from '../store/saga-order';
import { traceHop } from '../lambda/trace';
import { SAGA } from './definition';
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
 * Publishes Checkouts and CheckoutLatency by Verdict and logs one line with the verdict on
 * `invocation.log`. From the saga's start on, `invocation.log` carries the saga's id, so the lines
 * the caller writes after a failure (the HTTP error line) name the saga too.
 */
export async function checkout(orderId: string, invocation: { log: Log }): Promise<void> {
  const started = performance.now();
  let verdict: CheckoutVerdict = 'paid';
  try {
    await runCheckout(orderId, invocation);
  } catch (error) {
    verdict = verdictOf(error);
    throw error;
  } finally {
    const latencyMs = performance.now() - started;
    emitMetrics({ Verdict: verdict }, { Checkouts: [MetricUnit.Count, 1], CheckoutLatency: [MetricUnit.Milliseconds, latencyMs] });
    invocation.log.info(`checkout ${verdict}`, { verdict, latencyMs: Math.round(latencyMs * 10) / 10 });
  }
}

/** `saga.log` gains the saga's id once there is one. */
async function runCheckout(orderId: string, saga: { log: Log }): Promise<void> {
  const deadline = Date.now() + config.checkoutWaitMs;
  traceHop?.('checkout-start', orderId);
  const begun = await beginCheckout(orderId, await newSagaId());
  if (begun.kind === 'running') {
    saga.log = saga.log.with({ sagaId: begun.sagaId, joined: true });
    return settle(orderId, await waitForVerdict(begun.sagaId, deadline, saga.log));
  }
  const { sagaId } = begun.facts;
  traceHop?.('begun', orderId, sagaId);
  saga.log = saga.log.with({ sagaId });
  saga.log.debug('checkout began its saga');
  // Ends the wait (and its subscription) at once if the saga's first message cannot be sent.
  const unsent = new AbortController();
  const waiting = waitForVerdict(sagaId, deadline, saga.log, unsent.signal);
  waiting.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  crashPoint('after-begin-before-send', saga.log);
  try {
    traceHop?.('sending', sagaId, SAGA.firstStep);
    await sendToStep(SAGA.firstStep, begun.facts);
    traceHop?.('sent', sagaId, SAGA.firstStep);
  } catch (error) {
    unsent.abort();
    // The saga is recorded and open: recovery will re-send or compensate it. Its outcome is open.
    saga.log.error('checkout: the first message could not be sent; recovery will finish or cancel the saga', error as Error);
    // `expose`: a designed answer, whose sentence reaches the client (http-errors hides a 5xx's by default).
    throw createError(503, `The checkout of order ${orderId} could not be started now; recovery will finish or cancel it.`, {
      expose: true,
    });
  }
  const verdict = await waiting;
  traceHop?.('verdict', sagaId);
  return settle(orderId, verdict);
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
    throw createError(504, `The checkout of order ${orderId} is still in progress; look it up with GET /orders/find/${orderId}.`, {
      expose: true,
    });
  }
  if (verdict.verdict === 'refused') throw refused(verdict.reason);
}
