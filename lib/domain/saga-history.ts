import { compareIds, type LogEntry } from './log-audit';

/** One saga's history as the logs of all three services recorded it, and where it stands now. */
export interface SagaHistory {
  sagaId: string;
  entries: LogEntry[];
  record: Record<string, string>;
  markers: { stock: Record<string, string>; payment: Record<string, string> };
}

export interface HistoryLine {
  at: number;
  service: LogEntry['service'];
  step: string;
  outcome: string;
  changes: string;
  by: string;
}

/**
 * Entries of the three services' logs in time order (Redis clock, then each log's own order).
 * Entries of two services written in the same millisecond: the saga's own order breaks the tie
 * (each step starts only after the one before it wrote); `stepOrder` names it, from the saga's
 * declaration (lib/saga/definition.ts, historyOrderOf).
 */
export function inHistoryOrder(entries: LogEntry[], stepOrder: readonly string[]): LogEntry[] {
  return [...entries].sort(
    (a, b) =>
      Number(a.fields.t) - Number(b.fields.t) ||
      (a.service === b.service ? compareIds(a.id, b.id) : stepOrder.indexOf(a.fields.step) - stepOrder.indexOf(b.fields.step)),
  );
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const moves = (list: string | undefined, kind: string) =>
  (list ?? '')
    .split(',')
    .filter(Boolean)
    .map((move) => {
      const [id, before, after] = move.split(' ');
      return `${kind} ${id} ${before}→${after}`;
    })
    .join(', ');

/** What each entry says, in words an operator reads. */
export function describeEntry(entry: LogEntry): HistoryLine {
  const f = entry.fields;
  const by = f.recovery ? `replay #${f.recovery}` : (f.by ?? 'saga step');
  const line = (outcome: string, changes = '') => ({
    at: Number(f.t),
    service: entry.service,
    step: f.step,
    outcome,
    changes,
    by,
  });
  switch (f.step) {
    case 'begin-checkout':
      return {
        ...line('begun', `order ${f.order}, user ${f.user}, total ${f.total_cost}`),
        by: 'checkout request',
      };
    case 'reserve-stock':
      return line(f.outcome === 'refused' ? `refused (${f.why} ${f.item ?? ''})`.trim() : f.outcome, moves(f.balances, 'item'));
    case 'release-stock':
      return line(
        f.outcome,
        [
          moves(f.balances, 'item'),
          f.discarded ? `discarded ${f.discarded}` : '',
          f.superseded ? `set afresh by batch_init since: ${f.superseded}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    case 'charge-payment':
      return line(
        f.outcome === 'refused' ? `refused (${f.why})` : f.outcome,
        f.outcome === 'done' ? `user ${f.user} ${f.before}→${f.after}` : '',
      );
    case 'abort-charge':
      return line('charge fenced off');
    case 'refund-charge':
      if (f.superseded) return line(f.outcome, `user ${f.user} set afresh by batch_init since: nothing given back`);
      return line(f.outcome, f.outcome === 'refunded' && f.before !== undefined ? `user ${f.user} ${f.before}→${f.after}` : '');
    case 'complete-order':
      return line(f.verdict);
    default:
      return line(f.outcome ?? '');
  }
}

/** Where the saga stands, from its record and its markers. */
export function standing(history: SagaHistory): string {
  const { record, markers } = history;
  const marker = (name: string, fields: Record<string, string>, keys: string[]) =>
    Object.keys(fields).length === 0
      ? `${name}: no marker`
      : `${name}: ${keys
          .filter((key) => fields[key])
          .map((key) => `${key} ${fields[key]}`)
          .join(', ')}`;
  const verdict = !record.order_id
    ? 'the saga record has expired (finished longer than the retention window ago)'
    : record.verdict
      ? `${record.verdict}${record.reason ? ` — ${record.reason}` : ''} (finished ${time(Number(record.finished_at))})`
      : `open (deadline ${time(Number(record.deadline_at))})`;
  return [`now: ${verdict}`, marker('stock', markers.stock, ['reserve', 'release']), marker('payment', markers.payment, ['charge'])].join(
    '; ',
  );
}

/** The whole history as text, oldest first. */
export function formatHistory(history: SagaHistory): string {
  const { record } = history;
  const head =
    `saga ${history.sagaId}` +
    (record.order_id ? `  order ${record.order_id}  user ${record.user_id}  total ${record.total_cost}  items ${record.items}` : '');
  const lines = history.entries
    .map(describeEntry)
    .map(
      (line) =>
        `  ${time(line.at)}  ${line.service.padEnd(7)}  ${line.step.padEnd(14)}  ${line.outcome.padEnd(12)}  ${line.changes}${line.changes ? '  ' : ''}(${line.by})`,
    );
  return [head, ...(lines.length ? lines : ['  (no log entries in the retained window)']), `  ${standing(history)}`].join('\n');
}
