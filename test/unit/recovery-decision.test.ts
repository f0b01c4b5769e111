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

  it('finishes refusals: releasing stock only when it was taken', () => {
    expect(decideRecovery({ ...base, reserve: 'done', charge: 'refused' }, 10_000)).toMatchObject({ kind: 'refuse', release: true });
    expect(decideRecovery({ ...base, reserve: 'refused' }, 10_000)).toMatchObject({ kind: 'refuse', release: false });
    expect(decideRecovery({ ...base, reserve: 'cancelled', release: 'done' }, 10_000)).toMatchObject({ kind: 'refuse', release: false });
    expect(decideRecovery({ ...base, reserve: 'done', charge: 'aborted' }, 10_000)).toMatchObject({ kind: 'refuse', release: true });
  });
});
