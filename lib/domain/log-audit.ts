/**
 * The log as the record balances are checked against. Every balance change is logged with the
 * value before and after it, in the same script as the change, so within the retained window each
 * entity's entries form a chain: each `before` equals the previous `after`, and the last `after`
 * is the balance now. A link that does not hold is a change made behind the log's back.
 */
export type LogService = 'stock' | 'payment' | 'order';

export interface LogEntry {
  service: LogService;
  /** The stream entry id: "<ms>-<seq>", ordered within one service's log. */
  id: string;
  fields: Record<string, string>;
}

/** One balance moving, as one log entry recorded it. */
export interface BalanceMove {
  entity: string;
  before: number;
  after: number;
}

/** One chunk of a batch_init: entities "first".."first+count-1" of a kind are set to `value`. */
export interface BalanceReset {
  kind: 'item' | 'user';
  first: number;
  count: number;
  value: number;
}

const entityOf = (service: LogService, id: string) => (service === 'stock' ? `item ${id}` : `user ${id}`);

function movesIn(list: string | undefined, service: LogService): BalanceMove[] {
  if (!list) return [];
  return list.split(',').map((move) => {
    const [id, before, after] = move.split(' ');
    return { entity: entityOf(service, id), before: Number(before), after: Number(after) };
  });
}

/** What one entry did to balances: moves, a reset, or nothing (order entries, refusals, fences). */
export function balanceEffect(entry: LogEntry): { moves: BalanceMove[]; reset?: BalanceReset } {
  const { service, fields } = entry;
  if (service === 'order') return { moves: [] };
  if (fields.step === 'batch-init') {
    // Entries written before batch_init logged per chunk have no `first`: they covered "0".."count-1".
    const first = Number(fields.first ?? 0);
    const reset: BalanceReset =
      service === 'stock'
        ? { kind: 'item', first, count: Number(fields.items), value: Number(fields.stock) }
        : { kind: 'user', first, count: Number(fields.users), value: Number(fields.credit) };
    return { moves: [], reset };
  }
  if (fields.step === 'reserve-stock' || fields.step === 'release-stock') return { moves: movesIn(fields.balances, service) };
  if (fields.step === 'charge-payment') {
    return fields.outcome === 'done'
      ? {
          moves: [
            {
              entity: entityOf(service, fields.user),
              before: Number(fields.before),
              after: Number(fields.after),
            },
          ],
        }
      : { moves: [] };
  }
  if (fields.step === 'refund-charge') {
    // Recovery giving back the charge of a saga the order service does not know (lib/saga/orphans.ts).
    return fields.outcome === 'refunded' && fields.before !== undefined
      ? {
          moves: [
            {
              entity: entityOf(service, fields.user),
              before: Number(fields.before),
              after: Number(fields.after),
            },
          ],
        }
      : { moves: [] };
  }
  if (fields.before !== undefined && fields.after !== undefined && fields.id !== undefined) {
    return {
      moves: [{ entity: entityOf(service, fields.id), before: Number(fields.before), after: Number(fields.after) }],
    };
  }
  return { moves: [] };
}

export interface AuditResult {
  /** Entities whose chain could be followed within the window. */
  audited: number;
  violations: string[];
}

/**
 * Follows every entity's chain through one service's entries (in log order) and compares its end
 * with the balance now. `current` maps "item 7" / "user 3" to the stored balance.
 */
export function auditChains(entries: LogEntry[], current: Map<string, number>): AuditResult {
  const last = new Map<string, { after: number; id: string }>();
  const resets: { reset: BalanceReset; id: string }[] = [];
  const violations: string[] = [];
  const resetValue = (entity: string, sinceId: string | undefined): number | undefined => {
    // The newest reset after the entity's last move (if any) covering it sets its value.
    for (let index = resets.length - 1; index >= 0; index--) {
      const { reset, id } = resets[index];
      if (sinceId !== undefined && compareIds(id, sinceId) < 0) return undefined;
      const [kind, entityId] = entity.split(' ');
      if (kind === reset.kind && /^\d+$/.test(entityId) && Number(entityId) >= reset.first && Number(entityId) < reset.first + reset.count)
        return reset.value;
    }
    return undefined;
  };
  for (const entry of entries) {
    const { moves, reset } = balanceEffect(entry);
    if (reset) resets.push({ reset, id: entry.id });
    for (const move of moves) {
      const previous = last.get(move.entity);
      const expected = resetValue(move.entity, previous?.id) ?? previous?.after;
      if (expected !== undefined && expected !== move.before) {
        violations.push(`${move.entity}: logged ${expected} before entry ${entry.id}, which found ${move.before}: changed outside the log`);
      }
      last.set(move.entity, { after: move.after, id: entry.id });
    }
  }
  for (const [entity, { after, id }] of last) {
    const expected = resetValue(entity, id) ?? after;
    const now = current.get(entity);
    if (now !== undefined && now !== expected)
      violations.push(`${entity}: the log ends at ${expected}, but the balance is ${now}: changed outside the log`);
  }
  return { audited: last.size, violations };
}

/** Orders stream ids "<ms>-<seq>" numerically. */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
