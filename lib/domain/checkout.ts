import { invalidInput } from './errors';
import { MAX_ID_LENGTH, MAX_VALUE, parseId } from './input';
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

/**
 * The batch_init generation counters the saga's stock and charge found when they took: stamped on
 * the order once paid, so `npm run check` counts the order only against items and users that no
 * batch_init set afresh since (see docs/batch-init.md).
 */
export interface GenerationStamp {
  stockGeneration?: number;
  paymentGeneration?: number;
}

/**
 * What a step decided, as its store's script reported it: its work (now or on an earlier delivery;
 * with the batch_init generation it took from, if it took a balance), a refusal, nothing to do
 * because a compensation or recovery got there first (fenced), or nothing because the message came
 * later than its saga's deadline plus the grace (expired: recovery owns the saga by then).
 */
export type StepOutcome =
  { status: 'done'; stamp?: GenerationStamp } | { status: 'refused'; reason: string } | { status: 'fenced' } | { status: 'expired' };

/** A message between saga steps: the facts, the generations taken from, and once the saga is refused, why. */
export interface SagaMessage extends CheckoutFacts, GenerationStamp {
  refusal?: string;
}

/** SQS takes a message (body and attributes; ours carry none) of at most 1 MiB. */
export const SQS_MESSAGE_BYTES = 1_048_576;
/** Kept free in every message for the refusal sentence a later step adds (the longest is far shorter). */
export const REFUSAL_ROOM_BYTES = 2_048;
const LONGEST_ID = 'x'.repeat(MAX_ID_LENGTH);
/** The most one line can take in a message: the longest id, the largest quantity, the comma after it. */
export const MAX_LINE_BYTES = JSON.stringify([LONGEST_ID, MAX_VALUE]).length + 1;
/** A message with no lines, every id, number and generation at its longest, no refusal yet. */
const ENVELOPE_BYTES = JSON.stringify({
  sagaId: LONGEST_ID,
  orderId: LONGEST_ID,
  userId: LONGEST_ID,
  lines: [],
  totalCost: MAX_VALUE,
  deadlineAt: MAX_VALUE,
  stockGeneration: MAX_VALUE,
  paymentGeneration: MAX_VALUE,
} satisfies SagaMessage).length;
/**
 * The most distinct items one order may hold: a checkout's message carries one line per distinct
 * item, and must fit in one SQS message whatever the ids, quantities and refusal. addItem refuses
 * the item past it, and checkout an order already past it, before anything is held.
 */
export const MAX_ORDER_ITEMS = Math.floor((SQS_MESSAGE_BYTES - ENVELOPE_BYTES - REFUSAL_ROOM_BYTES) / MAX_LINE_BYTES);

export function checkoutLines(encodedItems: string): OrderLine[] {
  return [...quantitiesPerItem(decodeLines(encodedItems))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const refusals = {
  itemMissing: (itemId: string) => `Item ${itemId} does not exist.`,
  stockShort: (itemId: string, stock: string, wanted: number) => `Not enough stock for item ${itemId}: ${stock} left, ${wanted} wanted.`,
  userMissing: (userId: string) => `User ${userId} does not exist.`,
  creditShort: (userId: string, credit: string, amount: number) =>
    `Not enough credit: user ${userId} has ${credit}, the order costs ${amount}.`,
  emptyOrder: (orderId: string) => `Order ${orderId} has no items to check out.`,
  quantityOverflow: (orderId: string) => `Order ${orderId} asks for more than ${MAX_VALUE} of one item.`,
  tooManyItems: (orderId: string) =>
    `Order ${orderId} would hold more than ${MAX_ORDER_ITEMS} different items, more than one checkout can carry; split it into several orders.`,
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
  for (const stamp of ['stockGeneration', 'paymentGeneration'] as const) {
    if (raw[stamp] !== undefined && !isCount(raw[stamp], 0)) throw invalidInput(`The saga message has a malformed ${stamp}.`);
  }
  return {
    sagaId: parseId(raw.sagaId, 'saga id'),
    orderId: parseId(raw.orderId, 'order id'),
    userId: parseId(raw.userId, 'user id'),
    lines: lines as OrderLine[],
    totalCost: raw.totalCost,
    deadlineAt: raw.deadlineAt,
    ...(raw.stockGeneration !== undefined ? { stockGeneration: raw.stockGeneration } : {}),
    ...(raw.paymentGeneration !== undefined ? { paymentGeneration: raw.paymentGeneration } : {}),
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
