import type { OrderLine } from './order';

export interface ItemState {
  id: string;
  stock: number;
  /** Initial stock plus direct adds minus direct subtracts: the stock without any checkout. */
  direct: number;
  /** The batch_init generation that last set it (0: none did). */
  generation?: number;
}

export interface UserState {
  id: string;
  credit: number;
  /** Initial credit plus funds added minus direct payments. */
  direct: number;
  /** The batch_init generation that last set them (0: none did). */
  generation?: number;
}

export interface OrderState {
  id: string;
  paid: boolean;
  userId: string;
  totalCost: number;
  lines: OrderLine[];
  /** The saga that holds the order for checkout, or '' */
  checkout: string;
  /** Once paid: the batch_init generations its stock and its charge were taken from (0: none known). */
  stockGeneration?: number;
  paymentGeneration?: number;
}

/** What paid orders that batch_init of orders replaced had taken from one item or user, in one generation. */
export interface ReplacedPaid {
  kind: 'item' | 'user';
  id: string;
  generation: number;
  amount: number;
}

export interface SystemState {
  items: ItemState[];
  users: UserState[];
  orders: OrderState[];
  openSagaIds: string[];
  replacedPaid?: ReplacedPaid[];
}

export interface Verdict {
  ok: boolean;
  violations: string[];
  summary: string;
}

/**
 * The invariants of ../shared/API.md, at a quiet moment after recovery:
 * - every item: initial + added − subtracted − Σ quantity over paid orders = stock, and stock ≥ 0;
 * - every user: initial + funds − paid directly − Σ total_cost over their paid orders = credit ≥ 0;
 * where "initial" is what the last batch_init set, and the paid orders are those whose stock (or
 * charge) was taken since: a batch_init sets a balance afresh, and what was taken before it is
 * not taken from the new value. Paid orders that batch_init of orders replaced still count.
 * - no saga is left open, and no order is held by a saga that is not open.
 */
/** Whether what a saga took in `generation` was taken from the entity's current balance: no batch_init set it since. */
const takenSince = (entity: { generation?: number }, generation = 0) => (entity.generation ?? 0) <= generation;

export function checkInvariants(state: SystemState): Verdict {
  const violations: string[] = [];
  const taken = new Map<string, number>();
  const charged = new Map<string, number>();
  const items = new Map(state.items.map((item) => [item.id, item]));
  const users = new Map(state.users.map((user) => [user.id, user]));
  const open = new Set(state.openSagaIds);
  let paidOrders = 0;
  for (const order of state.orders) {
    if (order.checkout !== '' && !open.has(order.checkout)) {
      violations.push(`order ${order.id} is held by saga ${order.checkout}, which is not open`);
    }
    if (!order.paid) continue;
    paidOrders++;
    for (const [itemId, quantity] of order.lines) {
      const item = items.get(itemId);
      if (!item) violations.push(`paid order ${order.id} holds item ${itemId}, which does not exist`);
      else if (takenSince(item, order.stockGeneration)) taken.set(itemId, (taken.get(itemId) ?? 0) + quantity);
    }
    const user = users.get(order.userId);
    if (!user) violations.push(`paid order ${order.id} belongs to user ${order.userId}, who does not exist`);
    else if (takenSince(user, order.paymentGeneration)) charged.set(order.userId, (charged.get(order.userId) ?? 0) + order.totalCost);
  }
  for (const replaced of state.replacedPaid ?? []) {
    const [entities, sums] = replaced.kind === 'item' ? [items, taken] : [users, charged];
    const entity = entities.get(replaced.id);
    if (entity && takenSince(entity, replaced.generation)) sums.set(replaced.id, (sums.get(replaced.id) ?? 0) + replaced.amount);
  }
  for (const item of state.items) {
    if (item.stock < 0) violations.push(`item ${item.id} has negative stock ${item.stock}`);
    const expected = item.direct - (taken.get(item.id) ?? 0);
    if (item.stock !== expected) violations.push(`item ${item.id}: stock ${item.stock}, but its changes and paid orders give ${expected}`);
  }
  for (const user of state.users) {
    if (user.credit < 0) violations.push(`user ${user.id} has negative credit ${user.credit}`);
    const expected = user.direct - (charged.get(user.id) ?? 0);
    if (user.credit !== expected)
      violations.push(`user ${user.id}: credit ${user.credit}, but their changes and paid orders give ${expected}`);
  }
  if (open.size > 0) violations.push(`${open.size} saga(s) still open (run npm run recover): ${[...open].slice(0, 5).join(', ')}`);
  const counts = `${state.items.length} items, ${state.users.length} users, ${state.orders.length} orders (${paidOrders} paid), ${open.size} open sagas`;
  return {
    ok: violations.length === 0,
    violations,
    summary: violations.length === 0 ? `check: OK — ${counts}` : `check: VIOLATED — ${violations.length} problem(s) in ${counts}`,
  };
}
