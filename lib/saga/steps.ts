import type { GenerationStamp, SagaMessage } from '../domain/checkout';
import { SAGA, stepNamesOf, type SagaStep } from './definition';

// The handlers' view of the saga declared in ./definition.ts: which step a message goes to next.

export const STEP_NAMES = stepNamesOf(SAGA);
export type StepName = SagaStep;

/**
 * What a step did: its work (now or on an earlier delivery; with the batch_init generation it took
 * from, if it took a balance), a refusal, nothing to do because a
 * compensation or recovery got there first (fenced), or nothing because the message came later
 * than its saga's deadline plus the grace (expired: recovery owns the saga by then).
 */
export type StepOutcome = { status: 'done'; stamp?: GenerationStamp } | { status: 'refused'; reason: string } | { status: 'fenced' } | { status: 'expired' };

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
  const declared = SAGA.steps[step];
  if (outcome.status === 'refused') {
    return declared.onRefused ? { step: declared.onRefused, message: { ...message, refusal: outcome.reason } } : null;
  }
  // A step that took from a balance passes on the batch_init generation it took from.
  return declared.onDone ? { step: declared.onDone, message: { ...message, ...outcome.stamp } } : null;
}
