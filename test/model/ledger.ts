// What each saga did to the balances, read from the services' own transaction logs. Every step
// that moves stock or credit appends its entry in the same Lua script as the move, so the logs
// attribute every unit of stock and credit to the saga (or direct change) that moved it: that is
// what lets the model check "each exactly once or not at all" per saga, even while sagas run.
// batch_init of items or users sets balances afresh: from its log entry on, no saga holds anything
// of those entities, and what an older saga gives back must not land in the new balance.
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
  /** Where in the stock log its reservation stands, and in the payment log its charge. */
  reservedAt?: number;
  chargedAt?: number;
  /** Credit recovery gave back as an orphan's (its saga unknown to the order service). */
  refunded: number;
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
  refunded: 0,
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

/** Reads the three logs incrementally (after every command) into one ledger per saga. */
export class Ledger {
  readonly sagas = new Map<string, SagaLedger>();
  private lastId: Record<Stream, string> = { '{stock}:log': '0', '{payment}:log': '0', '{order}:log': '0' };
  private seen: Record<Stream, number> = { '{stock}:log': 0, '{payment}:log': 0, '{order}:log': 0 };
  /** Per item / user: the position in its log of the last batch_init that set it afresh. */
  private readonly itemsSetAt = new Map<string, number>();
  private readonly usersSetAt = new Map<string, number>();
  /** Per saga and item: stock given back into the generation it was taken from. */
  private readonly givenBack = new Map<string, Map<string, number>>();

  constructor(private readonly lib: SagaLib) {}

  /** Forgets everything read: the logs are read again from their start (after Redis lost writes). */
  reset(): void {
    this.sagas.clear();
    this.itemsSetAt.clear();
    this.usersSetAt.clear();
    this.givenBack.clear();
    for (const stream of STREAMS) {
      this.lastId[stream] = '0';
      this.seen[stream] = 0;
    }
  }

  of(sagaId: string): SagaLedger {
    let ledger = this.sagas.get(sagaId);
    if (!ledger) this.sagas.set(sagaId, (ledger = emptyLedger()));
    return ledger;
  }

  /** What the saga took and has not given back (whatever batch_init did to the items since). */
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
        this.record(stream, fieldsOf(flat));
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

  private record(stream: Stream, entry: Record<string, string>): void {
    const at = this.seen[stream];
    if (entry.step === 'batch-init') return this.recordBatchInit(stream, entry, at);
    const sagaId = entry.saga;
    if (!sagaId) return; // direct balance changes carry no saga
    const ledger = this.of(sagaId);
    switch (entry.step) {
      case 'reserve-stock':
        if (entry.outcome !== 'done') return;
        ledger.reserves++;
        ledger.reservedAt = at;
        ledger.reservedLines = parseLines(entry.lines);
        for (const [item, quantity] of ledger.reservedLines)
          ledger.reservedTotal.set(item, (ledger.reservedTotal.get(item) ?? 0) + quantity);
        return;
      case 'release-stock': {
        if (entry.outcome !== 'released') return;
        ledger.releases++;
        // Only into the generation it was taken from: an item batch_init set since keeps its new stock.
        const back = this.givenBack.get(sagaId) ?? new Map<string, number>();
        this.givenBack.set(sagaId, back);
        for (const [item, quantity] of ledger.reservedLines) {
          if ((this.itemsSetAt.get(item) ?? -1) < (ledger.reservedAt ?? -1)) back.set(item, (back.get(item) ?? 0) + quantity);
        }
        return;
      }
      case 'charge-payment':
        if (entry.outcome !== 'done') return;
        ledger.charges++;
        ledger.chargedAt = at;
        ledger.chargedAmount += Number(entry.amount);
        ledger.chargedUser = entry.user;
        return;
      case 'refund-charge':
        if (entry.outcome === 'refunded') ledger.refunded += Number(entry.amount) + Number(entry.discarded ?? 0);
        return;
      case 'complete-order':
        ledger.verdicts.push(entry.verdict as 'paid' | 'refused');
        ledger.completedOrder = entry.order;
        return;
    }
  }

  /**
   * batch_init of items (stock log) or users (payment log): "first".."first+count-1", from 0 where
   * the entry names no first. The order log's batch_init entry sets no balance.
   */
  private recordBatchInit(stream: Stream, entry: Record<string, string>, at: number): void {
    const setAt = stream === '{stock}:log' ? this.itemsSetAt : stream === '{payment}:log' ? this.usersSetAt : null;
    const count = Number(stream === '{stock}:log' ? entry.items : entry.users);
    if (!setAt || !Number.isSafeInteger(count)) return;
    const first = Number(entry.first ?? 0);
    for (let index = first; index < first + count; index++) setAt.set(String(index), at);
  }

  /**
   * Stock every saga holds per item, and credit every saga took per user, as the balances must
   * show them: only what was taken since the entity's last batch_init counts.
   */
  totals(): { stockHeld: Map<string, number>; creditTaken: Map<string, number> } {
    const stockHeld = new Map<string, number>();
    const creditTaken = new Map<string, number>();
    for (const [sagaId, ledger] of this.sagas) {
      const back = this.givenBack.get(sagaId);
      for (const [item, quantity] of ledger.reservedTotal) {
        if ((this.itemsSetAt.get(item) ?? -1) > (ledger.reservedAt ?? -1)) continue;
        stockHeld.set(item, (stockHeld.get(item) ?? 0) + quantity - (back?.get(item) ?? 0));
      }
      const user = ledger.chargedUser;
      if (user === undefined || (this.usersSetAt.get(user) ?? -1) > (ledger.chargedAt ?? -1)) continue;
      creditTaken.set(user, (creditTaken.get(user) ?? 0) + ledger.chargedAmount - ledger.refunded);
    }
    return { stockHeld, creditTaken };
  }
}
