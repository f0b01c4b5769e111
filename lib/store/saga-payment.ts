import { refusals, type SagaMessage } from '../domain/checkout';
import type { StepOutcome } from '../saga/steps';
import { redisFor } from '../redis';
import chargePaymentLua from './lua/charge-payment.lua';
import { userKey } from './payment-store';
import { defineScript } from './script';

export const paymentMarkerKey = (sagaId: string) => `{payment}:saga:${sagaId}`;

type ChargeReply = ['done'] | ['aborted'] | ['refused', 'missing'] | ['refused', 'short', string];
const chargePaymentScript = defineScript<ChargeReply>(chargePaymentLua);

/** charge-payment: the order's total from the user's credit, once. */
export async function chargePayment(message: SagaMessage): Promise<StepOutcome> {
  const reply = await chargePaymentScript(redisFor('payment'), [paymentMarkerKey(message.sagaId), userKey(message.userId)], [message.totalCost]);
  if (reply[0] === 'done') return { status: 'done' };
  if (reply[0] === 'aborted') return { status: 'fenced' };
  if (reply[1] === 'missing') return { status: 'refused', reason: refusals.userMissing(message.userId) };
  return { status: 'refused', reason: refusals.creditShort(message.userId, reply[2], message.totalCost) };
}
