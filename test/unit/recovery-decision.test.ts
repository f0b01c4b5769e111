import { decideOrphan, decideRecovery, orphanCutoff, type SagaProgress } from '@lib/domain/recovery';

const base: SagaProgress = { now: 100_000, deadlineAt: 160_000, lastMovedAt: 0 };
const decide = (progress: Partial<SagaProgress>) => decideRecovery({ ...base, ...progress }, 10_000).kind;

describe('the recovery decision', () => {
  it('leaves a saga alone while it is still moving, unless it is already charged', () => {
    expect(decide({ lastMovedAt: 95_000 })).toBe('wait');
    expect(decide({ lastMovedAt: 95_000, reserve: 'done', charge: 'done' })).toBe('complete-paid');
  });

  it('re-sends the lost message within the deadline', () => {
    expect(decideRecovery({ ...base }, 10_000)).toMatchObject({ kind: 'resend', service: 'stock' });
    expect(decideRecovery({ ...base, reserve: 'done' }, 10_000)).toMatchObject({
      kind: 'resend',
      service: 'payment',
    });
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

describe('the orphan decision', () => {
  it('gives back only what a saga the order service does not know still holds', () => {
    expect(decideOrphan({ knownToOrders: true, reserve: 'done', charge: 'done' }).kind).toBe('none');
    expect(decideOrphan({ knownToOrders: false, reserve: 'done' }).kind).toBe('give-back');
    expect(decideOrphan({ knownToOrders: false, charge: 'done' }).kind).toBe('give-back');
    expect(decideOrphan({ knownToOrders: false, reserve: 'done', release: 'done', charge: 'aborted' }).kind).toBe('none');
    // Swept markers: nothing left to give back, and nothing to fence.
    expect(decideOrphan({ knownToOrders: false }).kind).toBe('none');
  });

  it("judges an entry only once deadline, grace and the clocks' margin have passed since it was written", () => {
    expect(orphanCutoff(1_000_000, 60_000, 60_000, 12_000)).toBe(868_000);
  });
});
