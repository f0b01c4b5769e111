import { checkoutLines, refusals, type CheckoutFacts, type SagaMessage } from '../domain/checkout';
import { conflict, notFound, refused } from '../domain/errors';
import type { StepOutcome } from '../saga/steps';
import { redisFor } from '../redis';
import beginCheckoutLua from './lua/begin-checkout.lua';
import completeOrderLua from './lua/complete-order.lua';
import { orderKey } from './order-store';
import { defineScript } from './script';

export const sagaKey = (sagaId: string) => `{order}:saga:${sagaId}`;
export const OPEN_SAGAS_KEY = '{order}:sagas:open';
/** Pub/sub channel on which complete-order announces a saga's verdict. */
export const verdictChannel = (sagaId: string) => `sagashop:verdict:${sagaId}`;

type BeginReply = ['started', string, string, string] | ['running', string] | ['missing'] | ['paid'] | ['empty'];
const beginCheckoutScript = defineScript<BeginReply>(beginCheckoutLua);
type CompleteReply = ['done' | 'already', string] | ['unknown'];
const completeOrderScript = defineScript<CompleteReply>(completeOrderLua);

export type Begun = { kind: 'started'; facts: CheckoutFacts } | { kind: 'running'; sagaId: string };

/** Claims the order for a new saga, or names the saga that already holds it. */
export async function beginCheckout(orderId: string, sagaId: string, deadlineMs: number): Promise<Begun> {
  const reply = await beginCheckoutScript(redisFor('order'), [orderKey(orderId), sagaKey(sagaId), OPEN_SAGAS_KEY], [sagaId, deadlineMs, orderId]);
  switch (reply[0]) {
    case 'started':
      return { kind: 'started', facts: { sagaId, orderId, userId: reply[1], lines: checkoutLines(reply[2]), totalCost: Number(reply[3]) } };
    case 'running':
      return { kind: 'running', sagaId: reply[1] };
    case 'missing':
      throw notFound(`Order ${orderId} does not exist.`);
    case 'paid':
      throw conflict(`Order ${orderId} is already paid.`);
    case 'empty':
      throw refused(refusals.emptyOrder(orderId));
  }
}

/** complete-order: the saga's verdict, paid unless the message carries a refusal. */
export async function completeOrder(message: SagaMessage): Promise<StepOutcome> {
  const verdict = message.refusal === undefined ? 'paid' : 'refused';
  const reply = await completeOrderScript(
    redisFor('order'),
    [orderKey(message.orderId), sagaKey(message.sagaId), OPEN_SAGAS_KEY],
    [message.sagaId, verdict, message.refusal ?? '', verdictChannel(message.sagaId)],
  );
  if (reply[0] === 'unknown') throw new Error(`complete-order: saga ${message.sagaId} was never begun`);
  return { status: 'done' };
}

export type Verdict = { verdict: 'paid' } | { verdict: 'refused'; reason: string };

/** The saga's verdict, or null while it is still open. */
export async function readVerdict(sagaId: string): Promise<Verdict | null> {
  const [verdict, reason] = await redisFor('order').hmget(sagaKey(sagaId), 'verdict', 'reason');
  if (verdict === 'paid') return { verdict: 'paid' };
  if (verdict === 'refused') return { verdict: 'refused', reason: reason ?? '' };
  return null;
}
