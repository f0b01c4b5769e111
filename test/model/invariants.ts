// The properties the model checks. `safetyViolations` holds at every instant, sagas in flight or
// not; `settledViolations` adds, once every saga is finished, the full rules of `npm run check`
// (lib/domain/invariants.ts) and "the client was told the truth" for every saga.
import type { SystemState } from '../../lib/domain/invariants';
import type { Ledger } from './ledger';
import type { SagaModel, SagaRecord } from './model';

const MAX = Number.MAX_SAFE_INTEGER;

function sameQuantities(held: Map<string, number>, lines: [string, number][]): boolean {
  const wanted = new Map(lines);
  const items = new Set([...held.keys(), ...wanted.keys()]);
  return [...items].every((item) => (held.get(item) ?? 0) === (wanted.get(item) ?? 0));
}

const holdsNothing = (held: Map<string, number>) => [...held.values()].every((quantity) => quantity === 0);
const describe = (held: Map<string, number>) => [...held].map(([item, quantity]) => `${item}×${quantity}`).join(' ') || 'nothing';

/** The effects a saga with this verdict must have had: all of them once, or none. */
function verdictEffects(saga: SagaRecord, verdict: 'paid' | 'refused', ledger: Ledger, why: string): string[] {
  const violations: string[] = [];
  const record = ledger.of(saga.sagaId);
  const held = ledger.heldStock(saga.sagaId);
  if (verdict === 'paid') {
    if (record.charges !== 1) violations.push(`saga ${saga.sagaId} ${why} paid, but its credit was taken ${record.charges} time(s)`);
    if (!sameQuantities(held, saga.facts.lines)) {
      violations.push(
        `saga ${saga.sagaId} ${why} paid, but holds ${describe(held)} of stock instead of ${describe(new Map(saga.facts.lines))}`,
      );
    }
  } else {
    if (record.charges !== 0) violations.push(`saga ${saga.sagaId} ${why} refused, but its credit was taken (${record.chargedAmount})`);
    if (!holdsNothing(held)) violations.push(`saga ${saga.sagaId} ${why} refused, but still holds ${describe(held)} of stock`);
  }
  return violations;
}

/** True at every instant, whatever is in flight. */
export function safetyViolations(model: SagaModel, ledger: Ledger, state: SystemState): string[] {
  const violations: string[] = [];
  const { stockHeld, creditTaken } = ledger.totals();
  // Balances: never below 0 or above 2^53-1, and each one accounted for by direct changes and by
  // what the sagas' log entries say they took (and gave back).
  // Stock and credit follow one rule, each with its own words.
  const balance = (entity: string, field: string, value: number, direct: number, inSagas: number, sagasDid: string) => {
    if (value < 0 || value > MAX) violations.push(`${entity} has ${field} ${value}, outside [0, 2^53-1]`);
    // The baseline `npm run check` balances against: past 2^53-1 it is no longer exact as a number.
    if (direct > MAX) {
      violations.push(`${entity} has a direct baseline of ${direct}, above 2^53-1: the books cannot be checked exactly`);
      return;
    }
    const expected = direct - inSagas;
    if (value !== expected)
      violations.push(`${entity} has ${field} ${value}, but direct changes minus what sagas ${sagasDid} give ${expected}`);
  };
  for (const item of state.items) balance(`item ${item.id}`, 'stock', item.stock, item.direct, stockHeld.get(item.id) ?? 0, 'hold');
  for (const user of state.users) balance(`user ${user.id}`, 'credit', user.credit, user.direct, creditTaken.get(user.id) ?? 0, 'took');
  const open = new Set(state.openSagaIds);
  for (const order of state.orders) {
    if (order.checkout !== '' && !open.has(order.checkout))
      violations.push(`order ${order.id} is held by saga ${order.checkout}, which is not open`);
  }
  for (const saga of model.sagas) {
    const record = ledger.of(saga.sagaId);
    if (record.reserves > 1) violations.push(`saga ${saga.sagaId} took its stock ${record.reserves} times`);
    if (record.releases > record.reserves)
      violations.push(`saga ${saga.sagaId} gave stock back ${record.releases} time(s) after taking it ${record.reserves} time(s)`);
    if (record.charges > 1) violations.push(`saga ${saga.sagaId} was charged ${record.charges} times`);
    if (record.charges === 1 && record.chargedAmount !== saga.facts.totalCost) {
      violations.push(`saga ${saga.sagaId} was charged ${record.chargedAmount} for a total of ${saga.facts.totalCost}`);
    }
    if (record.verdicts.length > 1)
      violations.push(`saga ${saga.sagaId} got ${record.verdicts.length} verdicts: ${record.verdicts.join(', ')}`);
    if (saga.told === undefined) continue;
    if (open.has(saga.sagaId)) violations.push(`saga ${saga.sagaId} is still listed open after its verdict ${saga.told}`);
    if (record.verdicts[0] !== saga.told)
      violations.push(`saga ${saga.sagaId}: the client was told ${saga.told}, the log says ${record.verdicts[0]}`);
    violations.push(...verdictEffects(saga, saga.told, ledger, 'was told'));
  }
  // An order is paid exactly when one saga of its current version was completed as paid.
  for (const order of state.orders) {
    const incarnation = model.orderIncarnation.get(order.id) ?? 0;
    const paidBy = model.sagas.filter(
      (saga) => saga.orderId === order.id && saga.incarnation === incarnation && ledger.of(saga.sagaId).verdicts[0] === 'paid',
    );
    if (paidBy.length > 1)
      violations.push(`order ${order.id} was paid by ${paidBy.length} sagas: ${paidBy.map((saga) => saga.sagaId).join(', ')}`);
    if (order.paid && paidBy.length === 0) violations.push(`order ${order.id} is paid, but no saga of it was completed as paid`);
    if (!order.paid && paidBy.length > 0)
      violations.push(`order ${order.id} is not paid, but saga ${paidBy[0].sagaId} was completed as paid`);
  }
  return violations;
}

/** Once nothing is in flight and no saga is open. */
export function settledViolations(
  model: SagaModel,
  ledger: Ledger,
  state: SystemState,
  checkInvariants: (state: SystemState) => { violations: string[] },
): string[] {
  const violations = safetyViolations(model, ledger, state);
  // The rules of `npm run check`, as they stand: paid orders batch_init replaced count through its ledger.
  violations.push(...checkInvariants(state).violations.map((line) => `check: ${line}`));
  for (const saga of model.sagas) {
    const verdicts = ledger.of(saga.sagaId).verdicts;
    if (verdicts.length === 0) {
      violations.push(`saga ${saga.sagaId} has no verdict after settling`);
      continue;
    }
    violations.push(...verdictEffects(saga, verdicts[0], ledger, 'ended'));
  }
  return violations;
}
