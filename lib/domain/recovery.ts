/**
 * What recovery does with one open saga, decided from the step markers (what each service
 * recorded), never from a status field alone. Once the payment is taken the order is completed
 * (the customer may already have been told 200); before that, a lost message is sent again while
 * the saga is within its deadline, and after the deadline the saga is compensated in reverse
 * order: the charge is fenced off first, then the stock given back, then the order refused.
 */
export interface SagaProgress {
  now: number;
  deadlineAt: number;
  /** When any step of the saga last wrote (or it began). */
  lastMovedAt: number;
  reserve?: 'done' | 'refused' | 'cancelled';
  release?: 'done';
  charge?: 'done' | 'refused' | 'aborted';
}

export type RecoveryAction =
  | { kind: 'wait'; why: string }
  | { kind: 'resend'; step: 'reserve-stock' | 'charge-payment'; why: string }
  | { kind: 'complete-paid'; why: string }
  | { kind: 'refuse'; release: boolean; why: string }
  | { kind: 'compensate'; why: string };

export function decideRecovery(saga: SagaProgress, staleMs: number): RecoveryAction {
  if (saga.charge === 'done') return { kind: 'complete-paid', why: 'charged: roll forward' };
  if (saga.now - saga.lastMovedAt < staleMs) return { kind: 'wait', why: 'moved recently' };
  if (saga.charge === 'refused') return { kind: 'refuse', release: saga.reserve === 'done', why: 'payment refused' };
  if (saga.reserve === 'refused') return { kind: 'refuse', release: false, why: 'stock refused' };
  if (saga.reserve === 'cancelled' || saga.release === 'done' || saga.charge === 'aborted') {
    return { kind: 'refuse', release: saga.reserve === 'done', why: 'already compensated' };
  }
  if (saga.now < saga.deadlineAt) {
    return saga.reserve === 'done'
      ? { kind: 'resend', step: 'charge-payment', why: 'charge message lost' }
      : { kind: 'resend', step: 'reserve-stock', why: 'reserve message lost' };
  }
  return { kind: 'compensate', why: 'past its deadline' };
}

export const recoveryRefusals = {
  timedOut: (orderId: string) => `The checkout of order ${orderId} did not finish in time and was cancelled; nothing was charged.`,
  refused: (orderId: string, why: string) => `The checkout of order ${orderId} was refused (${why}); nothing was charged.`,
};
