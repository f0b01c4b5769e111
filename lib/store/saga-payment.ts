import { config } from '../config';
import { actUntil, refusals, type SagaMessage } from '../domain/checkout';
import type { StepOutcome } from '../saga/steps';
import { redisFor } from '../redis';
import abortChargeLua from './lua/abort-charge.lua';
import chargePaymentLua from './lua/charge-payment.lua';
import { PAYMENT_LOG_KEY, userKey } from './payment-store';
import { defineScript } from './script';

export const paymentMarkerKey = (sagaId: string) => `{payment}:saga:${sagaId}`;
export const PAYMENT_FENCE_KEY = '{payment}:recovery:fence';

type ChargeReply = ['done'] | ['aborted'] | ['expired'] | ['refused', 'missing'] | ['refused', 'short', string];
const chargePaymentScript = defineScript<ChargeReply>(chargePaymentLua);
type AbortReply = ['aborted' | 'done' | 'refused' | 'fenced'];
const abortChargeScript = defineScript<AbortReply>(abortChargeLua);

/** charge-payment: the order's total from the user's credit, once. */
export async function chargePayment(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  const reply = await chargePaymentScript(
    redisFor('payment'),
    [paymentMarkerKey(message.sagaId), PAYMENT_LOG_KEY, userKey(message.userId)],
    [message.sagaId, config.retentionMs, actUntil(message, config.messageGraceMs), message.userId, message.totalCost, by],
  );
  if (reply[0] === 'done') return { status: 'done' };
  if (reply[0] === 'aborted') return { status: 'fenced' };
  if (reply[0] === 'expired') return { status: 'expired' };
  if (reply[1] === 'missing') return { status: 'refused', reason: refusals.userMissing(message.userId) };
  return { status: 'refused', reason: refusals.creditShort(message.userId, reply[2], message.totalCost) };
}

/** Recovery's fence: after it, the saga can never be charged; says what the charge's state is. */
export async function abortCharge(sagaId: string, recoveryToken: number): Promise<AbortReply[0]> {
  const [state] = await abortChargeScript(
    redisFor('payment'),
    [paymentMarkerKey(sagaId), PAYMENT_LOG_KEY, PAYMENT_FENCE_KEY],
    [sagaId, config.retentionMs, recoveryToken],
  );
  return state;
}

export interface PaymentMarker {
  charge?: 'done' | 'refused' | 'aborted';
  movedAt?: number;
}

export async function readPaymentMarker(sagaId: string): Promise<PaymentMarker> {
  const [charge, movedAt] = await redisFor('payment').hmget(paymentMarkerKey(sagaId), 'charge', 'moved_at');
  return { charge: (charge ?? undefined) as PaymentMarker['charge'], movedAt: movedAt ? Number(movedAt) : undefined };
}

/** Recovery's sweep: the markers of finished sagas that no message can act on any more. */
export async function forgetPaymentMarkers(sagaIds: string[]): Promise<void> {
  if (sagaIds.length > 0) await redisFor('payment').del(...sagaIds.map(paymentMarkerKey));
}
