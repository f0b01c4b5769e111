import { config } from '../clients/config';
import { actUntil, refusals, type SagaMessage, type StepOutcome } from '../domain/checkout';
import { redisFor } from '../clients/redis';
import releaseStockLua from './lua/release-stock.lua';
import reserveStockLua from './lua/reserve-stock.lua';
import { readDurably } from './durability';
import { defineScript } from './script';
import { itemKey, STOCK_GENERATION_KEY, STOCK_LOG_KEY } from './stock-store';

export const stockMarkerKey = (sagaId: string) => `{stock}:saga:${sagaId}`;
export const STOCK_FENCE_KEY = '{stock}:recovery:fence';

const reserveStockScript = defineScript({
  name: 'reserve-stock',
  source: reserveStockLua,
  keys: ['marker', 'log', 'generation'],
  args: ['sagaId', 'retentionMs', 'actUntil', 'by'],
  each: { keys: ['item'], args: ['itemId', 'quantity'] },
  reply: {
    done: { generation: 'string' },
    cancelled: {},
    expired: {},
    refused: { why: ['missing', 'short'], item: 'string', stock: 'string?' },
  },
});
const releaseStockScript = defineScript({
  name: 'release-stock',
  source: releaseStockLua,
  keys: ['marker', 'log', 'fence'],
  args: ['sagaId', 'retentionMs', 'token', 'actUntil', 'by'],
  each: { keys: ['item'], args: ['itemId'] },
  reply: { released: {}, 'nothing-taken': {}, already: {}, fenced: {}, expired: {} },
});
type ReleaseOutcome = Awaited<ReturnType<typeof releaseStockScript>>['status'];

/** reserve-stock: every line's quantity, or nothing. `by` names the delivery, for the log. */
export async function reserveStock(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  const reply = await reserveStockScript(redisFor('stock'), {
    marker: stockMarkerKey(message.sagaId),
    log: STOCK_LOG_KEY,
    generation: STOCK_GENERATION_KEY,
    sagaId: message.sagaId,
    retentionMs: config.retentionMs,
    actUntil: actUntil(message, config.messageGraceMs),
    by,
    each: message.lines.map(([itemId, quantity]) => ({ item: itemKey(itemId), itemId, quantity })),
  });
  if (reply.status === 'done') return { status: 'done', stamp: { stockGeneration: Number(reply.generation) } };
  if (reply.status === 'cancelled') return { status: 'fenced' };
  if (reply.status === 'expired') return { status: 'expired' };
  if (reply.why === 'missing') return { status: 'refused', reason: refusals.itemMissing(reply.item) };
  const wanted = message.lines.find(([id]) => id === reply.item)?.[1] ?? 0;
  return { status: 'refused', reason: refusals.stockShort(reply.item, reply.stock ?? '', wanted) };
}

/** The release itself; recovery passes its fencing token, the saga step none. */
export async function releaseReservation(
  message: SagaMessage,
  recoveryToken = '',
  by = recoveryToken ? '' : 'saga step',
): Promise<ReleaseOutcome> {
  const reply = await releaseStockScript(redisFor('stock'), {
    marker: stockMarkerKey(message.sagaId),
    log: STOCK_LOG_KEY,
    fence: STOCK_FENCE_KEY,
    sagaId: message.sagaId,
    retentionMs: config.retentionMs,
    token: recoveryToken,
    actUntil: actUntil(message, config.messageGraceMs),
    by,
    each: message.lines.map(([itemId]) => ({ item: itemKey(itemId), itemId })),
  });
  return reply.status;
}

/** release-stock: gives back what this saga's reservation took (possibly nothing). */
export async function releaseStock(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  return (await releaseReservation(message, '', by)) === 'expired' ? { status: 'expired' } : { status: 'done' };
}

export interface StockMarker {
  reserve?: 'done' | 'refused' | 'cancelled';
  release?: 'done';
  movedAt?: number;
  /** The batch_init generation counter the reservation found (once it is done). */
  generation?: number;
}

export async function readStockMarker(sagaId: string): Promise<StockMarker> {
  // Recovery decides on it: read durably.
  const [[reserve, release, movedAt, generation]] = (await readDurably(redisFor('stock'), [
    ['HMGET', stockMarkerKey(sagaId), 'reserve', 'release', 'moved_at', 'gen'],
  ])) as (string | null)[][];
  return {
    reserve: (reserve ?? undefined) as StockMarker['reserve'],
    release: (release ?? undefined) as StockMarker['release'],
    movedAt: movedAt ? Number(movedAt) : undefined,
    generation: generation ? Number(generation) : undefined,
  };
}

/** The items a saga's reservation took, as its marker recorded them (`taken:<item>`). */
export async function itemsTakenBy(sagaId: string): Promise<string[]> {
  const fields = await redisFor('stock').hkeys(stockMarkerKey(sagaId));
  return fields.filter((field) => field.startsWith('taken:')).map((field) => field.slice('taken:'.length));
}

/**
 * Recovery gives back what a saga the order service does not know reserved, and fences the
 * reservation off; `itemIds` only names the keys, the quantities come from the marker.
 */
export async function releaseOrphanReservation(sagaId: string, itemIds: string[], recoveryToken: number): Promise<ReleaseOutcome> {
  const reply = await releaseStockScript(redisFor('stock'), {
    marker: stockMarkerKey(sagaId),
    log: STOCK_LOG_KEY,
    fence: STOCK_FENCE_KEY,
    sagaId,
    retentionMs: config.retentionMs,
    token: String(recoveryToken),
    actUntil: 0,
    by: 'orphan',
    each: itemIds.map((itemId) => ({ item: itemKey(itemId), itemId })),
  });
  return reply.status;
}

/** Recovery's sweep: the markers of finished sagas that no message can act on any more. */
export async function forgetStockMarkers(sagaIds: string[]): Promise<void> {
  if (sagaIds.length > 0) await redisFor('stock').del(...sagaIds.map(stockMarkerKey));
}
