import { invalidInput } from './errors';
import { MAX_VALUE, parseId } from './input';
import { decodeLines, quantitiesPerItem, type OrderLine } from './order';

/** What every step of one checkout saga needs to know; carried in each of its messages. */
export interface CheckoutFacts {
  sagaId: string;
  orderId: string;
  userId: string;
  /** One line per item, quantities summed, sorted by item id. */
  lines: OrderLine[];
  totalCost: number;
  /** When the saga's deadline passes (epoch ms, the order Redis's clock): how a step judges a message's age. */
  deadlineAt: number;
}

/** A message between saga steps: the facts, and once the saga is refused, why. */
export interface SagaMessage extends CheckoutFacts {
  refusal?: string;
}

export function checkoutLines(encodedItems: string): OrderLine[] {
  return [...quantitiesPerItem(decodeLines(encodedItems))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const refusals = {
  itemMissing: (itemId: string) => `Item ${itemId} does not exist.`,
  stockShort: (itemId: string, stock: string, wanted: number) => `Not enough stock for item ${itemId}: ${stock} left, ${wanted} wanted.`,
  userMissing: (userId: string) => `User ${userId} does not exist.`,
  creditShort: (userId: string, credit: string, amount: number) => `Not enough credit: user ${userId} has ${credit}, the order costs ${amount}.`,
  emptyOrder: (orderId: string) => `Order ${orderId} has no items to check out.`,
  quantityOverflow: (orderId: string) => `Order ${orderId} asks for more than ${MAX_VALUE} of one item.`,
};

const isCount = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= MAX_VALUE;

/** Reads a saga message, refusing anything that is not exactly one. */
export function parseSagaMessage(body: string): SagaMessage {
  let raw: any;
  try {
    raw = JSON.parse(body);
  } catch {
    throw invalidInput('The saga message is not JSON.');
  }
  if (!raw || typeof raw !== 'object') throw invalidInput('The saga message is not an object.');
  const lines = raw.lines;
  if (!Array.isArray(lines) || lines.length === 0) throw invalidInput('The saga message has no lines.');
  for (const line of lines) {
    if (!Array.isArray(line) || line.length !== 2 || !isCount(line[1], 1)) throw invalidInput('The saga message has a malformed line.');
    parseId(line[0], 'item id');
  }
  if (!isCount(raw.totalCost, 0)) throw invalidInput('The saga message has a malformed total cost.');
  if (!isCount(raw.deadlineAt, 1)) throw invalidInput('The saga message has no deadline.');
  if (raw.refusal !== undefined && typeof raw.refusal !== 'string') throw invalidInput('The saga message has a malformed refusal.');
  return {
    sagaId: parseId(raw.sagaId, 'saga id'),
    orderId: parseId(raw.orderId, 'order id'),
    userId: parseId(raw.userId, 'user id'),
    lines: lines as OrderLine[],
    totalCost: raw.totalCost,
    deadlineAt: raw.deadlineAt,
    ...(raw.refusal !== undefined ? { refusal: raw.refusal } : {}),
  };
}

/**
 * The last moment (epoch ms) a message of this saga may act: its deadline plus the grace. Every
 * step refuses a message older than that; recovery owns the saga by then.
 */
export function actUntil(message: CheckoutFacts, graceMs: number): number {
  return message.deadlineAt + graceMs;
}
