import { config } from '../clients/config';
import { actUntil, refusals, type SagaMessage, type StepOutcome } from '../domain/checkout';
import { redisFor } from '../clients/redis';
import abortChargeLua from './lua/abort-charge.lua';
import chargePaymentLua from './lua/charge-payment.lua';
import refundChargeLua from './lua/refund-charge.lua';
import { PAYMENT_GENERATION_KEY, PAYMENT_LOG_KEY, userKey } from './payment-store';
import { readDurably } from './durability';
import { defineScript } from './script';

export const paymentMarkerKey = (sagaId: string) => `{payment}:saga:${sagaId}`;
export const PAYMENT_FENCE_KEY = '{payment}:recovery:fence';

const chargePaymentScript = defineScript({
  name: 'charge-payment',
  source: chargePaymentLua,
  keys: ['marker', 'log', 'user', 'generation'],
  args: ['sagaId', 'retentionMs', 'actUntil', 'userId', 'amount', 'by'],
  reply: {
    done: { generation: 'string' },
    aborted: {},
    expired: {},
    refused: { why: ['missing', 'short'], credit: 'string?' },
  },
});
const abortChargeScript = defineScript({
  name: 'abort-charge',
  source: abortChargeLua,
  keys: ['marker', 'log', 'fence'],
  args: ['sagaId', 'retentionMs', 'token'],
  reply: { aborted: {}, done: {}, refused: {}, fenced: {} },
});
type AbortOutcome = Awaited<ReturnType<typeof abortChargeScript>>['status'];
const refundChargeScript = defineScript({
  name: 'refund-charge',
  source: refundChargeLua,
  keys: ['marker', 'log', 'fence', 'user'],
  args: ['sagaId', 'retentionMs', 'token', 'userId'],
  reply: { refunded: {}, 'nothing-charged': {}, already: {}, fenced: {} },
});
type RefundOutcome = Awaited<ReturnType<typeof refundChargeScript>>['status'];

/** charge-payment: the order's total from the user's credit, once. */
export async function chargePayment(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  const reply = await chargePaymentScript(redisFor('payment'), {
    marker: paymentMarkerKey(message.sagaId),
    log: PAYMENT_LOG_KEY,
    user: userKey(message.userId),
    generation: PAYMENT_GENERATION_KEY,
    sagaId: message.sagaId,
    retentionMs: config.retentionMs,
    actUntil: actUntil(message, config.messageGraceMs),
    userId: message.userId,
    amount: message.totalCost,
    by,
  });
  if (reply.status === 'done') return { status: 'done', stamp: { paymentGeneration: Number(reply.generation) } };
  if (reply.status === 'aborted') return { status: 'fenced' };
  if (reply.status === 'expired') return { status: 'expired' };
  if (reply.why === 'missing') return { status: 'refused', reason: refusals.userMissing(message.userId) };
  return {
    status: 'refused',
    reason: refusals.creditShort(message.userId, reply.credit ?? '', message.totalCost),
  };
}

/** Recovery's fence: after it, the saga can never be charged; says what the charge's state is. */
export async function abortCharge(sagaId: string, recoveryToken: number): Promise<AbortOutcome> {
  const reply = await abortChargeScript(redisFor('payment'), {
    marker: paymentMarkerKey(sagaId),
    log: PAYMENT_LOG_KEY,
    fence: PAYMENT_FENCE_KEY,
    sagaId,
    retentionMs: config.retentionMs,
    token: recoveryToken,
  });
  return reply.status;
}

/**
 * Recovery gives back the charge of a saga the order service does not know (and fences it), with
 * `userId` as the charge's log entry named it; the amount comes from the marker.
 */
export async function refundCharge(sagaId: string, userId: string, recoveryToken: number): Promise<RefundOutcome> {
  const reply = await refundChargeScript(redisFor('payment'), {
    marker: paymentMarkerKey(sagaId),
    log: PAYMENT_LOG_KEY,
    fence: PAYMENT_FENCE_KEY,
    user: userKey(userId),
    sagaId,
    retentionMs: config.retentionMs,
    token: recoveryToken,
    userId,
  });
  return reply.status;
}

export interface PaymentMarker {
  charge?: 'done' | 'refused' | 'aborted';
  movedAt?: number;
  /** The batch_init generation counter the charge found (once it is done). */
  generation?: number;
}

export async function readPaymentMarker(sagaId: string): Promise<PaymentMarker> {
  // Recovery decides on it: read durably.
  const [[charge, movedAt, generation]] = (await readDurably(redisFor('payment'), [
    ['HMGET', paymentMarkerKey(sagaId), 'charge', 'moved_at', 'gen'],
  ])) as (string | null)[][];
  return {
    charge: (charge ?? undefined) as PaymentMarker['charge'],
    movedAt: movedAt ? Number(movedAt) : undefined,
    generation: generation ? Number(generation) : undefined,
  };
}

/** Recovery's sweep: the markers of finished sagas that no message can act on any more. */
export async function forgetPaymentMarkers(sagaIds: string[]): Promise<void> {
  if (sagaIds.length > 0) await redisFor('payment').del(...sagaIds.map(paymentMarkerKey));
}
