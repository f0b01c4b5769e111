// The AWS stage's bounds on concurrent invocations (docs/deploy.md, "Bounded concurrency"): the
// saga's declaration gives the defaults, two parameters may change them.
import { SAGA, type SagaDeclaration } from '../lib/saga/definition';
import type { ConcurrencyBounds } from './saga-template';

const MAPPING_RANGE = (value: string) =>
  /^\d+$/.test(value) && Number(value) >= 2 && Number(value) <= 1000 ? undefined : 'must be a whole number from 2 to 1000';
const POSITIVE = (value: string) => (/^[1-9]\d*$/.test(value) ? undefined : 'must be a positive whole number');

/** deploy/stage-settings.ts's specs of the two parameters (no fallback: the declaration decides). */
export const CONCURRENCY_PARAMS = {
  stepConcurrency: {
    example: '10',
    meaning: `each saga step's reserved concurrency and its queue's MaximumConcurrency, 2 to 1000 (default ${SAGA.concurrency.perStep}, from the saga's declaration)`,
    check: MAPPING_RANGE,
  },
  checkoutConcurrency: {
    example: '100',
    meaning: `concurrent checkouts: the checkout function's reserved concurrency (default ${SAGA.concurrency.senders.checkout}, from the saga's declaration)`,
    check: POSITIVE,
  },
};

/** The declaration's bounds, with the stage's parameters for the steps and the checkout. */
export function concurrencyBounds(saga: SagaDeclaration, params: Record<string, string | undefined>): ConcurrencyBounds {
  const senders = { ...saga.concurrency.senders };
  if (params.checkoutConcurrency && 'checkout' in saga.senders) senders.checkout = Number(params.checkoutConcurrency);
  return {
    perStep: params.stepConcurrency ? Number(params.stepConcurrency) : saga.concurrency.perStep,
    senders,
  };
}
