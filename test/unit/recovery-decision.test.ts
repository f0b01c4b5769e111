import { decideRecovery, type SagaProgress } from '@lib/domain/recovery';

const base: SagaProgress = { now: 100_000, deadlineAt: 160_000, lastMovedAt: 0 };
const decide = (progress: Partial<SagaProgress>) => decideRecovery({ ...base, ...progress }, 10_000).kind;

describe('the recovery decision', () => {
  it('leaves a saga alone while it is still moving, unless it is already charged', () => {
    expect(decide({ lastMovedAt: 95_000 })).toBe('wait');
    expect(decide({ lastMovedAt: 95_000, reserve: 'done', charge: 'done' })).toBe('complete-paid');
  });

  it('re-sends the lost message within the deadline', () => {
    expect(decideRecovery({ ...base }, 10_000)).toMatchObject({ kind: 'resend', step: 'reserve-stock' });
    expect(decideRecovery({ ...base, reserve: 'done' }, 10_000)).toMatchObject({ kind: 'resend', step: 'charge-payment' });
  });

  it('compensates after the deadline, but never refunds a charged saga', () => {
    expect(decide({ now: 200_000, reserve: 'done' })).toBe('compensate');
    expect(decide({ now: 200_000 })).toBe('compensate');
    expect(decide({ now: 200_000, reserve: 'done', charge: 'done' })).toBe('complete-paid');
  });

  it('finishes every refusal the same way, fencing both steps, whatever the markers said', () => {
    expect(decide({ reserve: 'done', charge: 'refused' })).toBe('refuse');
    expect(decide({ reserve: 'refused' })).toBe('refuse');
    expect(decide({ reserve: 'cancelled', release: 'done' })).toBe('refuse');
    expect(decide({ reserve: 'done', charge: 'aborted' })).toBe('refuse');
    // A compensation cut short after abort-charge: the reservation may still be on its way.
    expect(decide({ charge: 'aborted' })).toBe('refuse');
  });
});
