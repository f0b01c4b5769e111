// What each saga did to the balances, read from the services' own transaction logs. Every step
// that moves stock or credit appends its entry in the same Lua script as the move, so the logs
// attribute every unit of stock and credit to the saga (or direct change) that moved it: that is
// what lets the model check "each exactly once or not at all" per saga, even while sagas run.
import type { SagaLib } from './saga-lib';

export interface SagaLedger {
  /** reserve-stock entries with outcome done, and what the last of them took per item. */
  reserves: number;
  reservedLines: Map<string, number>;
  /** Summed over every done reservation (more than one would itself be a violation). */
  reservedTotal: Map<string, number>;
  /** release-stock entries that gave back what the reservation had taken. */
  releases: number;
  /** charge-payment entries with outcome done, and the amounts they took. */
  charges: number;
  chargedAmount: number;
  chargedUser?: string;
  /** complete-order entries: the verdicts written, in order (more than one is a violation). */
  verdicts: ('paid' | 'refused')[];
  /** The order each complete-order entry named, and whether it came from recovery. */
  completedOrder?: string;
}

const STREAMS = ['{stock}:log', '{payment}:log', '{order}:log'] as const;
type Stream = (typeof STREAMS)[number];
const serviceOf = (stream: Stream) => (stream === '{stock}:log' ? 'stock' : stream === '{payment}:log' ? 'payment' : 'order');

const emptyLedger = (): SagaLedger => ({
  reserves: 0,
  reservedLines: new Map(),
  reservedTotal: new Map(),
  releases: 0,
  charges: 0,
  chargedAmount: 0,
  verdicts: [],
});

function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) fields[flat[index]] = flat[index + 1];
  return fields;
}

function parseLines(encoded: string | undefined): Map<string, number> {
  const lines = new Map<string, number>();
  for (const entry of (encoded ?? '').split(',').filter(Boolean)) {
    const [item, quantity] = entry.split(' ');
    lines.set(item, (lines.get(item) ?? 0) + Number(quantity));
  }
  return lines;
}

const add = (sums: Map<string, number>, id: string, amount: number) => sums.set(id, (sums.get(id) ?? 0) + amount);

/** Reads the three logs incrementally (after every command) into one ledger per saga. */
export class Ledger {
  readonly sagas = new Map<string, SagaLedger>();
  /**
   * Per item, the stock sagas hold of its current batch_init generation; per user, the credit
   * sagas took from theirs. A batch_init entry sets a balance afresh: what sagas took before it
   * no longer counts against the new value (and a release then gives nothing back into it).
   */
  private readonly stockHeld = new Map<string, number>();
  private readonly creditTaken = new Map<string, number>();
  private lastId: Record<Stream, string> = { '{stock}:log': '0', '{payment}:log': '0', '{order}:log': '0' };
  private seen: Record<Stream, number> = { '{stock}:log': 0, '{payment}:log': 0, '{order}:log': 0 };

  constructor(private readonly lib: SagaLib) {}

  of(sagaId: string): SagaLedger {
    let ledger = this.sagas.get(sagaId);
    if (!ledger) this.sagas.set(sagaId, (ledger = emptyLedger()));
    return ledger;
  }

  /** What the saga still holds of each item: taken and not given back. */
  heldStock(sagaId: string): Map<string, number> {
    const ledger = this.of(sagaId);
    const held = new Map(ledger.reservedTotal);
    for (let release = 0; release < ledger.releases; release++) {
      for (const [item, quantity] of ledger.reservedLines) held.set(item, (held.get(item) ?? 0) - quantity);
    }
    return held;
  }

  async catchUp(): Promise<void> {
    for (const stream of STREAMS) await this.readStream(stream);
  }

  private async readStream(stream: Stream): Promise<void> {
    const client = this.lib.redis.redisFor(serviceOf(stream));
    for (;;) {
      const entries = await client.xrange(stream, `(${this.lastId[stream]}`, '+', 'COUNT', 1000);
      if (entries.length === 0) break;
      for (const [id, flat] of entries) {
        this.lastId[stream] = id;
        this.seen[stream]++;
        this.record(fieldsOf(flat), stream);
      }
    }
    // The logs trim entries older than the retention window. The model reads after every command,
    // long before that; should it ever miss entries, its ledger would be wrong, so it stops.
    const info = (await client.call('XINFO', 'STREAM', stream).catch(() => null)) as unknown[] | null;
    if (info) {
      const added = Number(info[info.indexOf('entries-added') + 1]);
      if (Number.isFinite(added) && added !== this.seen[stream]) {
        throw new Error(`model: ${stream} holds ${added} entries ever added but the model read ${this.seen[stream]} (trimmed before read)`);
      }
    }
  }

  private record(entry: Record<string, string>, stream: Stream): void {
    if (entry.step === 'batch-init' && stream !== '{order}:log') {
      const [sums, count] = stream === '{stock}:log' ? [this.stockHeld, Number(entry.items)] : [this.creditTaken, Number(entry.users)];
      for (let id = Number(entry.first ?? 0), end = id + count; id < end; id++) sums.delete(String(id));
      return;
    }
    const sagaId = entry.saga;
    if (!sagaId) return; // direct balance changes carry no saga
    const ledger = this.of(sagaId);
    switch (entry.step) {
      case 'reserve-stock':
        if (entry.outcome !== 'done') return;
        ledger.reserves++;
        ledger.reservedLines = parseLines(entry.lines);
        for (const [item, quantity] of ledger.reservedLines) {
          ledger.reservedTotal.set(item, (ledger.reservedTotal.get(item) ?? 0) + quantity);
          add(this.stockHeld, item, quantity);
        }
        return;
      case 'release-stock': {
        if (entry.outcome !== 'released') return;
        ledger.releases++;
        const superseded = new Set((entry.superseded ?? '').split(',').filter(Boolean));
        for (const [item, quantity] of ledger.reservedLines) if (!superseded.has(item)) add(this.stockHeld, item, -quantity);
        return;
      }
      case 'charge-payment':
        if (entry.outcome !== 'done') return;
        ledger.charges++;
        ledger.chargedAmount += Number(entry.amount);
        ledger.chargedUser = entry.user;
        add(this.creditTaken, entry.user, Number(entry.amount));
        return;
      case 'complete-order':
        ledger.verdicts.push(entry.verdict as 'paid' | 'refused');
        ledger.completedOrder = entry.order;
        return;
    }
  }

  /** Stock sagas hold per item, and credit sagas took per user, since its last batch_init. */
  totals(): { stockHeld: Map<string, number>; creditTaken: Map<string, number> } {
    return { stockHeld: new Map(this.stockHeld), creditTaken: new Map(this.creditTaken) };
  }
}
