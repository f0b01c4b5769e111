// Commands that change the shop around the sagas: creates, order lines, direct balance changes
// and batch_init of orders (of items and users: commands-faults.ts). Entities are picked by a
// generated number modulo what exists, so a command stays meaningful when shrinking removes the
// ones before it.
import { answered, ModelCommand } from './command-base';
import { note, pickNewest, type SagaModel, type SagaSystem } from './model';

const MAX = Number.MAX_SAFE_INTEGER;
/** Ids that never exist: an order may name a missing user or item (batch_init's orders can). */
export const MISSING_USER = 'nobody';
export const MISSING_ITEM = 'gone';

export class CreateItem extends ModelCommand {
  constructor(
    readonly price: number,
    readonly stock: number,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const id = await lib.stockStore.createItem(this.price);
    if (this.stock > 0) await lib.stockStore.changeStock(id, this.stock);
    model.items.push(id);
    model.prices.set(id, this.price);
    note(model, `  item ${id}`);
  }
  toString(): string {
    return `createItem(price ${this.price}, stock ${this.stock})`;
  }
}

export class CreateUser extends ModelCommand {
  constructor(readonly credit: number) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const id = await lib.paymentStore.createUser();
    if (this.credit > 0) await lib.paymentStore.changeCredit(id, this.credit);
    model.users.push(id);
    note(model, `  user ${id}`);
  }
  toString(): string {
    return `createUser(credit ${this.credit})`;
  }
}

export class CreateOrder extends ModelCommand {
  constructor(
    readonly userPick: number,
    readonly missingUser: boolean,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const userId = this.missingUser ? MISSING_USER : pickNewest(model.users, this.userPick)!.value;
    const id = await lib.orderStore.createOrder(userId);
    model.orders.push(id);
    note(model, `  order ${id} of user ${userId}`);
  }
  toString(): string {
    return `createOrder(user ${this.missingUser ? MISSING_USER : `pick ${this.userPick}`})`;
  }
}

export class AddItem extends ModelCommand {
  constructor(
    readonly orderPick: number,
    readonly itemPick: number,
    readonly quantity: number,
    readonly missingItem: boolean,
  ) {
    super();
  }
  check(model: Readonly<SagaModel>): boolean {
    return model.orders.length > 0;
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const orderId = pickNewest(model.orders, this.orderPick)!.value;
    const itemId = this.missingItem ? MISSING_ITEM : pickNewest(model.items, this.itemPick)!.value;
    const total = await answered(
      model,
      'addItem',
      lib.orderStore.addItemToOrder(orderId, itemId, this.quantity, model.prices.get(itemId) ?? 1),
    );
    if (total !== undefined) note(model, `  order ${orderId} + ${this.quantity} × ${itemId}: total ${total}`);
  }
  toString(): string {
    return `addItem(order pick ${this.orderPick}, ${this.missingItem ? MISSING_ITEM : `item pick ${this.itemPick}`}, quantity ${this.quantity})`;
  }
}

/** An order with its lines in one command, so sagas have something to check out early on. */
export class PlaceOrder extends ModelCommand {
  constructor(
    readonly userPick: number | 'missing',
    readonly lines: [itemPick: number | 'missing', quantity: number][],
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const userId = this.userPick === 'missing' ? MISSING_USER : pickNewest(model.users, this.userPick)!.value;
    const orderId = await lib.orderStore.createOrder(userId);
    model.orders.push(orderId);
    let total: number | undefined = 0;
    for (const [itemPick, quantity] of this.lines) {
      const itemId = itemPick === 'missing' ? MISSING_ITEM : pickNewest(model.items, itemPick)!.value;
      total =
        (await answered(model, 'addItem', lib.orderStore.addItemToOrder(orderId, itemId, quantity, model.prices.get(itemId) ?? 1))) ??
        total;
    }
    note(model, `  order ${orderId} of user ${userId}: ${this.lines.length} line(s), total ${total}`);
  }
  toString(): string {
    const lines = this.lines
      .map(([item, quantity]) => `${quantity} × ${item === 'missing' ? MISSING_ITEM : `item pick ${item}`}`)
      .join(', ');
    return `placeOrder(${this.userPick === 'missing' ? MISSING_USER : `user pick ${this.userPick}`}: ${lines})`;
  }
}

/** A direct stock change; `fill` raises the stock to 2^53-1, so a release has no room. */
export class ChangeStock extends ModelCommand {
  constructor(
    readonly itemPick: number,
    readonly delta: number | 'fill',
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const itemId = pickNewest(model.items, this.itemPick)!.value;
    let delta = this.delta;
    if (delta === 'fill') delta = MAX - ((await lib.stockStore.findItem(itemId))?.stock ?? MAX);
    if (delta === 0) return;
    const stock = await answered(model, 'changeStock', lib.stockStore.changeStock(itemId, delta));
    if (stock !== undefined) note(model, `  item ${itemId} ${delta > 0 ? '+' : ''}${delta}: stock ${stock}`);
  }
  toString(): string {
    return `changeStock(item pick ${this.itemPick}, ${this.delta})`;
  }
}

/** add funds (positive) or pay (negative); `fill` raises the credit to 2^53-1. */
export class ChangeCredit extends ModelCommand {
  constructor(
    readonly userPick: number,
    readonly delta: number | 'fill',
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const userId = pickNewest(model.users, this.userPick)!.value;
    let delta = this.delta;
    if (delta === 'fill') delta = MAX - ((await lib.paymentStore.findUser(userId))?.credit ?? MAX);
    if (delta === 0) return;
    const credit = await answered(model, 'changeCredit', lib.paymentStore.changeCredit(userId, delta));
    if (credit !== undefined) note(model, `  user ${userId} ${delta > 0 ? '+' : ''}${delta}: credit ${credit}`);
  }
  toString(): string {
    return `changeCredit(user pick ${this.userPick}, ${this.delta})`;
  }
}

/** A small deterministic generator, so a batch_init's random lines replay with the run's seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export class BatchInitOrders extends ModelCommand {
  constructor(
    readonly count: number,
    readonly itemCount: number,
    readonly userCount: number,
    readonly price: number,
    readonly seed: number,
  ) {
    super();
  }
  protected async act(model: SagaModel, { lib }: SagaSystem): Promise<void> {
    const ids = Array.from({ length: this.count }, (_, index) => String(index));
    // batchInitOrders draws its lines with Math.random, all before its first await: a seeded
    // generator for that moment keeps the run reproducible from fast-check's seed.
    const random = Math.random;
    Math.random = seededRandom(this.seed);
    let pending: ReturnType<typeof lib.orderStore.batchInitOrders>;
    try {
      pending = lib.orderStore.batchInitOrders(this.count, this.itemCount, this.userCount, this.price);
    } finally {
      Math.random = random;
    }
    const { kept } = await pending;
    ids.forEach((id) => {
      if (!model.orders.includes(id)) model.orders.push(id);
      if (kept.includes(id)) return;
      model.orderIncarnation.set(id, (model.orderIncarnation.get(id) ?? 0) + 1);
    });
    note(model, `  orders 0..${this.count - 1} initialised${kept.length > 0 ? `, kept (checkout running): ${kept.join(', ')}` : ''}`);
  }
  toString(): string {
    return `batchInitOrders(${this.count}, items ${this.itemCount}, users ${this.userCount}, price ${this.price}, seed ${this.seed})`;
  }
}
