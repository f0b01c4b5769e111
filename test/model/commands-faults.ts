// Commands for the faults at the saga's edges: Redis losing the writes since an earlier instant
// (where the configured durability allows it), a replay host whose clock is off Redis's, batch_init
// of items and users while sagas hold them, and backlogs bigger than one replay page.
import { replay } from './actions';
import { answered, ModelCommand } from './command-base';
import { durabilityOf, restoreSnapshot, takeSnapshot, SERVICES, type Service } from './lost-writes';
import { count, ModelViolation, note, pickNewest, type ExplorationStats, type SagaModel, type SagaSystem } from './model';
import { LONG_DEADLINE_MS, TINY_DEADLINE_MS } from './saga-lib';

/**
 * The instant a crash would take Redis back to: what its append-only file holds on disk now. Only
 * taken where the durability setting lets a crash lose acknowledged writes (elsewhere every write
 * is durable before it is acted on, and a crash goes back to "now").
 */
export class MarkDurablePoint extends ModelCommand {
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const { mode, canLose } = durabilityOf(lib);
    if (!canLose) return note(model, `  durability ${mode}: every acknowledged write is durable; nothing to go back to`);
    model.durablePoint = await takeSnapshot(lib);
    const keys = [...model.durablePoint.values()].reduce((sum, saved) => sum + saved.length, 0);
    note(model, `  durability ${mode}: the disk holds the state as of now (${keys} keys)`);
  }
  toString(): string {
    return 'markDurablePoint()';
  }
}

/**
 * The host of one service's Redis (or of all of them) crashes and comes back with what was durable
 * at the last MarkDurablePoint: every write since is lost, the messages those writes sent are not
 * (the bag keeps them), and the clients keep what they were told.
 */
export class LoseWrites extends ModelCommand {
  constructor(readonly services: Service | 'all') {
    super();
  }
  protected async act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
    const { mode, canLose } = durabilityOf(system.lib);
    if (!canLose) {
      count(stats, 'crash of a Redis host: nothing lost (durable)');
      return note(model, `  durability ${mode}: the crash loses no acknowledged write`);
    }
    const point = model.durablePoint;
    if (!point) return note(model, '  nothing written since the start is durable yet: no earlier instant to go back to');
    model.durablePoint = undefined;
    const lost = this.services === 'all' ? SERVICES : [this.services];
    const { removed, restored } = await restoreSnapshot(system.lib, point, lost);
    // The logs went back too: the ledger reads them again from their start.
    system.ledger.reset();
    count(stats, `crash of a Redis host: writes lost (${this.services})`);
    note(
      model,
      `  durability ${mode}: ${lost.join(', ')} went back to the durable point (${removed} keys dropped, ${restored} restored); the queue keeps its ${model.bag.length} message(s)`,
    );
  }
  toString(): string {
    return `loseWrites(${this.services})`;
  }
}

/** Items "0".."count-1" set afresh, whatever sagas hold of them. */
export class BatchInitItems extends ModelCommand {
  constructor(
    readonly count: number,
    readonly stock: number,
    readonly price: number,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const done = await answered(
      model,
      'batch_init of items',
      lib.stockStore.batchInitItems(this.count, this.stock, this.price).then(() => true),
    );
    if (!done) return;
    for (let index = 0; index < this.count; index++) {
      const id = String(index);
      if (!model.items.includes(id)) model.items.push(id);
      model.prices.set(id, this.price);
    }
    note(model, `  items 0..${this.count - 1} set to stock ${this.stock}, price ${this.price}`);
  }
  toString(): string {
    return `batchInitItems(${this.count}, stock ${this.stock}, price ${this.price})`;
  }
}

/** Users "0".."count-1" set afresh, whatever sagas have charged them or are about to. */
export class BatchInitUsers extends ModelCommand {
  constructor(
    readonly count: number,
    readonly credit: number,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const done = await answered(
      model,
      'batch_init of users',
      lib.paymentStore.batchInitUsers(this.count, this.credit).then(() => true),
    );
    if (!done) return;
    for (let index = 0; index < this.count; index++) if (!model.users.includes(String(index))) model.users.push(String(index));
    note(model, `  users 0..${this.count - 1} set to credit ${this.credit}`);
  }
  toString(): string {
    return `batchInitUsers(${this.count}, credit ${this.credit})`;
  }
}

/**
 * `size` checkouts begun while SQS was away: each saga recorded, its first message never sent.
 * Recovery must decide every one of them, however few it takes per page.
 */
export class Backlog extends ModelCommand {
  constructor(
    readonly size: number,
    readonly deadline: 'long' | 'tiny',
    readonly itemPick: number,
    readonly userPick: number,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem, stats: ExplorationStats): Promise<void> {
    const userId = pickNewest(model.users, this.userPick)!.value;
    const itemId = pickNewest(model.items, this.itemPick)!.value;
    let begun = 0;
    for (let index = 0; index < this.size; index++) {
      const orderId = await lib.orderStore.createOrder(userId);
      model.orders.push(orderId);
      if (
        (await answered(model, 'addItem', lib.orderStore.addItemToOrder(orderId, itemId, 1, model.prices.get(itemId) ?? 1))) === undefined
      )
        continue;
      const sagaId = `${model.runId}s${model.sagas.length + 1}`;
      const started = await answered(
        model,
        `checkout of order ${orderId}`,
        lib.sagaOrder.beginCheckout(orderId, sagaId, this.deadline === 'long' ? LONG_DEADLINE_MS : TINY_DEADLINE_MS),
      );
      if (started?.kind !== 'started') continue;
      stats.sagas++;
      model.sagas.push({
        sagaId,
        orderId,
        incarnation: model.orderIncarnation.get(orderId) ?? 0,
        facts: started.facts,
        deadline: this.deadline,
      });
      begun++;
    }
    note(model, `  ${begun} saga(s) begun for user ${userId}, item ${itemId}, none of their first messages sent`);
  }
  toString(): string {
    return `backlog(${this.size} checkouts, ${this.deadline} deadline, item pick ${this.itemPick}, user pick ${this.userPick}; SQS away)`;
  }
}

/**
 * A replay on a host whose clock is `skewMs` off Redis's, taking `sagaPage` open sagas and
 * `logPage` log entries per round, and (`oneRound`) only one round per run. A run that ends without
 * saying there is more to do must have decided every saga that was open when it began.
 */
export class OffClockReplay extends ModelCommand {
  constructor(
    readonly skewMs: number,
    readonly sagaPage: number,
    readonly logPage: number,
    readonly oneRound: boolean,
  ) {
    super();
  }
  protected async act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
    const order = system.lib.redis.redisFor('order');
    const openBefore = await order.zrange(system.lib.sagaOrder.OPEN_SAGAS_KEY, 0, -1);
    const report = await replay(model, system, stats, { kind: 'none' }, `replay (clock ${this.skewMs >= 0 ? '+' : ''}${this.skewMs} ms)`, {
      skewMs: this.skewMs,
      sagaPage: this.sagaPage,
      logPage: this.logPage,
      ...(this.oneRound ? { budgetMs: 0 } : {}),
    });
    if (!report.ran || report.note !== undefined || report.more) return;
    const examined = new Set(report.lines.map((line) => line.sagaId));
    const openAfter = new Set(await order.zrange(system.lib.sagaOrder.OPEN_SAGAS_KEY, 0, -1));
    const skipped = openBefore.filter((sagaId) => openAfter.has(sagaId) && !examined.has(sagaId));
    if (skipped.length > 0) {
      throw new ModelViolation(model, [
        `a replay ended without saying there was more to do, yet never looked at ${skipped.length} open saga(s): ${skipped.slice(0, 5).join(', ')}`,
      ]);
    }
  }
  toString(): string {
    return `offClockReplay(clock ${this.skewMs} ms, ${this.sagaPage} sagas / ${this.logPage} log entries a page${this.oneRound ? ', one round per run' : ''})`;
  }
}
