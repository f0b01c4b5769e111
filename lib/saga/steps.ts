import type { SagaMessage, StepOutcome } from '../domain/checkout';
import { SAGA, stepNamesOf, type SagaStep } from './definition';

// The handlers' view of the saga declared in ./definition.ts: which step a message goes to next.

export const STEP_NAMES = stepNamesOf(SAGA);
export type StepName = SagaStep;

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
