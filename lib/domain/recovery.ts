/**
 * What recovery does with one open saga, decided from the step markers (what each service
 * recorded), never from a status field alone. Once the payment is taken the order is completed
 * (the customer may already have been told 200); before that, a lost message is sent again while
 * the saga is within its deadline, and after the deadline the saga is compensated in reverse
 * order: the charge is fenced off first, then the stock given back (or the reservation fenced off),
 * then the order refused. A refusal is finished the same way.
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
  /** The message of the service's step (stock: the reservation, payment: the charge) was lost: send it again. */
  | { kind: 'resend'; service: 'stock' | 'payment'; why: string }
  | { kind: 'complete-paid'; why: string }
  | { kind: 'refuse'; why: string }
  | { kind: 'compensate'; why: string };

export function decideRecovery(saga: SagaProgress, staleMs: number): RecoveryAction {
  if (saga.charge === 'done') return { kind: 'complete-paid', why: 'charged: roll forward' };
  if (saga.now - saga.lastMovedAt < staleMs) return { kind: 'wait', why: 'moved recently' };
  // A refusal still fences both steps before the verdict: a reservation whose message is late
  // (or a compensation cut short) must never take stock after the order is refused.
  if (saga.charge === 'refused') return { kind: 'refuse', why: 'payment refused' };
  if (saga.reserve === 'refused') return { kind: 'refuse', why: 'stock refused' };
  if (saga.reserve === 'cancelled' || saga.release === 'done' || saga.charge === 'aborted') {
    return { kind: 'refuse', why: 'already compensated' };
  }
  if (saga.now < saga.deadlineAt) {
    return saga.reserve === 'done'
      ? { kind: 'resend', service: 'payment', why: 'charge message lost' }
      : { kind: 'resend', service: 'stock', why: 'reserve message lost' };
  }
  return { kind: 'compensate', why: 'past its deadline' };
}

export const recoveryRefusals = {
  timedOut: (orderId: string) => `The checkout of order ${orderId} did not finish in time and was cancelled; nothing was charged.`,
  refused: (orderId: string, why: string) => `The checkout of order ${orderId} was refused (${why}); nothing was charged.`,
};

/**
 * A reservation or a charge found in the stock or payment log, judged once no message of its saga
 * can act any more. Its saga is an orphan when the order service does not know it (the order
 * Redis lost begin-checkout's write, not its first message): nobody would ever complete or
 * compensate it, so recovery gives back what it holds and fences both steps.
 */
export interface OrphanEvidence {
  /** The order service has the saga's record, or still lists it for the sweep. */
  knownToOrders: boolean;
  reserve?: 'done' | 'refused' | 'cancelled';
  release?: 'done';
  charge?: 'done' | 'refused' | 'aborted';
}

export type OrphanAction = { kind: 'none'; why: string } | { kind: 'give-back'; why: string };

export function decideOrphan(evidence: OrphanEvidence): OrphanAction {
  // Known sagas are recovery's as open sagas (or finished); their markers are theirs to judge.
  if (evidence.knownToOrders) return { kind: 'none', why: 'its saga is known to the order service' };
  const holdsStock = evidence.reserve === 'done' && evidence.release !== 'done';
  if (!holdsStock && evidence.charge !== 'done')
    return { kind: 'none', why: 'holds nothing (given back, or swept long after its saga finished)' };
  return { kind: 'give-back', why: 'the order service does not know its saga' };
}

/**
 * The newest moment (epoch ms, the judging service's Redis clock) a log entry may have been
 * written for its saga to be judged as an orphan: a step acts on a message until its saga's
 * deadline plus the grace, the deadline is at most `deadlineMs` after the saga began, and the saga
 * began before its first step wrote; `marginMs` covers the skew between the Redis servers' clocks.
 * An entry written by then belongs to a saga none of whose messages can act any more, and a
 * begin-checkout that was merely slow has long been written (or lost for good).
 */
export function orphanCutoff(serviceNow: number, deadlineMs: number, graceMs: number, marginMs: number): number {
  return serviceNow - deadlineMs - graceMs - marginMs;
}
