import type { SagaMessage } from '../domain/checkout';

/**
 * The checkout saga, step by step. Each step is one service's handler on its own queue:
 *   reserve-stock ─ok→ charge-payment ─ok→ complete-order (paid)
 *        │refused            │refused
 *        ▼                   ▼
 *   complete-order      release-stock ──→ complete-order (refused)
 */
export const STEP_NAMES = ['reserve-stock', 'charge-payment', 'complete-order', 'release-stock'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * What a step did: its work (now or on an earlier delivery), a refusal, nothing to do because a
 * compensation or recovery got there first (fenced), or nothing because the message came later
 * than its saga's deadline plus the grace (expired: recovery owns the saga by then).
 */
export type StepOutcome = { status: 'done' } | { status: 'refused'; reason: string } | { status: 'fenced' } | { status: 'expired' };

interface StepRoute {
  onDone: StepName | null;
  onRefused: StepName | null;
}

export const STEP_TABLE: Record<StepName, StepRoute> = {
  'reserve-stock': { onDone: 'charge-payment', onRefused: 'complete-order' },
  'charge-payment': { onDone: 'complete-order', onRefused: 'release-stock' },
  'release-stock': { onDone: 'complete-order', onRefused: null },
  'complete-order': { onDone: null, onRefused: null },
};

export interface NextMessage {
  step: StepName;
  message: SagaMessage;
}

/**
 * The message a step sends after its outcome. A fenced or expired step sends nothing: whoever
 * fenced it, or recovery, carries the saga on.
 */
export function nextMessage(step: StepName, message: SagaMessage, outcome: StepOutcome): NextMessage | null {
  if (outcome.status === 'fenced' || outcome.status === 'expired') return null;
  const route = STEP_TABLE[step];
  if (outcome.status === 'refused') {
    return route.onRefused ? { step: route.onRefused, message: { ...message, refusal: outcome.reason } } : null;
  }
  return route.onDone ? { step: route.onDone, message } : null;
}
