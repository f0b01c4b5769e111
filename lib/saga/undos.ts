// What recovery gives back, and where it re-sends, as the saga's declaration (./definition.ts)
// says: the undos in the order undoPlanOf derives (the steps that took something, last first), and
// the step of a service that the declaration lets replayLog send to. Each undo the declaration
// names must have its script here, and nothing else may: the table is typed by the declaration.
import type { SagaMessage } from '../domain/checkout';
import { abortCharge } from '../store/saga-payment';
import { releaseReservation } from '../store/saga-stock';
import { SAGA, undoPlanOf, type ReplayTarget, type SagaStep, type SagaUndo, type Undo } from './definition';

export interface UndoScript {
  /** What the replay's report calls it: "refused: charge aborted, stock released". */
  says: string;
  /** Runs it, fenced by the replay's token; 'fenced' when a newer replay wrote first. */
  run: (saga: SagaMessage, token: number) => Promise<string>;
}

export const UNDO_SCRIPTS: { readonly [Name in SagaUndo]: UndoScript } = {
  'abort-charge': { says: 'charge', run: (saga, token) => abortCharge(saga.sagaId, token) },
  'release-stock': { says: 'stock', run: (saga, token) => releaseReservation(saga, String(token)) },
};

/** The undos recovery runs when it compensates a saga, in the order it runs them. */
export const UNDO_PLAN = undoPlanOf(SAGA) as (Undo<SagaStep> & { undo: SagaUndo })[];

/** The step recovery sends again when the message of a service's step was lost. */
export function resendTarget(service: 'stock' | 'payment'): ReplayTarget {
  const target = SAGA.senders.replayLog.sendsTo.find((step) => SAGA.steps[step].service === service);
  if (target === undefined) throw new Error(`the saga's declaration lets replayLog send to no step of the ${service} service`);
  return target;
}
