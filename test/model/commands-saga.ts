// Commands that move sagas: checkouts, deliveries from the bag (with duplicates, reordering,
// drops and crashes between a step's write and its send), replays (plain, crashed, losing their
// lock, overlapping, interrupted by a delivery) and real time passing.
import { deliver, describeFault, replay, type ReplayFault } from './actions';
import { answered, ModelCommand } from './command-base';
import { ModelViolation, note, pickNewest, type ExplorationStats, type SagaModel, type SagaSystem } from './model';
import { LONG_DEADLINE_MS, TINY_DEADLINE_MS } from './saga-lib';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Checkout extends ModelCommand {
  /** `firstSent` false: the checkout's process died after begin-checkout, before its send. */
  constructor(
    readonly orderPick: number,
    readonly deadline: 'long' | 'tiny',
    readonly firstSent: boolean,
  ) {
    super();
  }
  check(model: Readonly<SagaModel>): boolean {
    return model.orders.length > 0;
  }
  protected async act(model: SagaModel, { lib }: SagaSystem, stats: ExplorationStats): Promise<void> {
    const orderId = pickNewest(model.orders, this.orderPick)!.value;
    const sagaId = `${model.runId}s${model.sagas.length + 1}`;
    const deadlineMs = this.deadline === 'long' ? LONG_DEADLINE_MS : TINY_DEADLINE_MS;
    const begun = await answered(model, `checkout of order ${orderId}`, lib.sagaOrder.beginCheckout(orderId, sagaId, deadlineMs));
    if (begun === undefined) return;
    if (begun.kind === 'running') {
      // A second checkout shares the running saga's verdict: it must be one that is still open.
      const holder = model.sagas.find((saga) => saga.sagaId === begun.sagaId);
      note(model, `  order ${orderId} is being checked out by ${begun.sagaId}`);
      if (!holder || holder.orderId !== orderId || holder.told !== undefined) {
        throw new ModelViolation(model, [
          `checkout of order ${orderId} was told saga ${begun.sagaId} runs, which is ${holder ? `finished (${holder.told})` : 'unknown'}`,
        ]);
      }
      return;
    }
    stats.sagas++;
    const incarnation = model.orderIncarnation.get(orderId) ?? 0;
    model.sagas.push({ sagaId, orderId, incarnation, facts: begun.facts, deadline: this.deadline });
    if (this.firstSent) model.bag.push({ step: 'reserve-stock', message: begun.facts });
    const lines = begun.facts.lines.map(([item, quantity]) => `${item}×${quantity}`).join(' ');
    note(
      model,
      `  saga ${sagaId} began: order ${orderId}, user ${begun.facts.userId}, ${lines}, total ${begun.facts.totalCost}${this.firstSent ? '' : '; first message never sent'}`,
    );
  }
  toString(): string {
    return `checkout(order pick ${this.orderPick}, ${this.deadline} deadline${this.firstSent ? '' : ', crash before the first send'})`;
  }
}

export class Deliver extends ModelCommand {
  constructor(
    readonly pick: number,
    readonly keep: boolean,
    readonly crashBeforeSend: boolean,
  ) {
    super();
  }
  check(model: Readonly<SagaModel>): boolean {
    return model.bag.length > 0;
  }
  protected async act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
    const picked = pickNewest(model.bag, this.pick)!;
    await deliver(model, system, stats, picked.index, {
      keep: this.keep,
      crashBeforeSend: this.crashBeforeSend,
    });
  }
  toString(): string {
    return `deliver(pick ${this.pick}${this.keep ? ', keep a duplicate' : ''}${this.crashBeforeSend ? ', crash before the send' : ''})`;
  }
}

/** A message lost for good (or sitting in a dead-letter queue). */
export class Drop extends ModelCommand {
  constructor(readonly pick: number) {
    super();
  }
  check(model: Readonly<SagaModel>): boolean {
    return model.bag.length > 0;
  }
  protected async act(model: SagaModel): Promise<void> {
    const picked = pickNewest(model.bag, this.pick)!;
    model.bag.splice(picked.index, 1);
    note(model, `  dropped ${picked.value.step} of ${picked.value.message.sagaId}`);
  }
  toString(): string {
    return `drop(pick ${this.pick})`;
  }
}

export class Replay extends ModelCommand {
  /** `overlapping`: a second, undisturbed replay starts at the same moment (Promise.all). */
  constructor(
    readonly fault: ReplayFault,
    readonly overlapping: boolean,
  ) {
    super();
  }
  protected async act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
    if (!this.overlapping) {
      await replay(model, system, stats, this.fault, 'replay');
      return;
    }
    await Promise.all([replay(model, system, stats, this.fault, 'replay A'), replay(model, system, stats, { kind: 'none' }, 'replay B')]);
  }
  toString(): string {
    return `replay(${describeFault(this.fault)}${this.overlapping ? ', overlapping another' : ''})`;
  }
}

/**
 * Real time passing: past a tiny deadline's grace, past a crashed replay's lock, or past the whole
 * window (deadline + grace) and the retention, after which the replay sweeps finished sagas'
 * markers. Kept rare by the command weights: each one costs its time in every run.
 */
export class Wait extends ModelCommand {
  constructor(readonly ms: number) {
    super();
  }
  protected async act(): Promise<void> {
    await sleep(this.ms);
  }
  toString(): string {
    return `wait(${this.ms} ms)`;
  }
}

/**
 * The retention window passes, then a replay runs: it sweeps the step markers of the sagas that
 * finished before, so any message still in the bag meets a saga whose markers are gone.
 */
export class ExpireMarkers extends ModelCommand {
  constructor(readonly ms: number) {
    super();
  }
  protected async act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
    await sleep(this.ms);
    await replay(model, system, stats, { kind: 'none' }, 'replay after the retention window');
  }
  toString(): string {
    return `expireMarkers(wait ${this.ms} ms, then replay)`;
  }
}
