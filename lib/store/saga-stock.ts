import { config } from '../config';
import { actUntil, refusals, type SagaMessage } from '../domain/checkout';
import type { StepOutcome } from '../saga/steps';
import { redisFor } from '../redis';
import releaseStockLua from './lua/release-stock.lua';
import reserveStockLua from './lua/reserve-stock.lua';
import { defineScript } from './script';
import { itemKey, STOCK_LOG_KEY } from './stock-store';

export const stockMarkerKey = (sagaId: string) => `{stock}:saga:${sagaId}`;
export const STOCK_FENCE_KEY = '{stock}:recovery:fence';

type ReserveReply = ['done'] | ['cancelled'] | ['expired'] | ['refused', 'missing', string] | ['refused', 'short', string, string];
const reserveStockScript = defineScript<ReserveReply>(reserveStockLua);
type ReleaseReply = ['released' | 'nothing-taken' | 'already' | 'fenced' | 'expired'];
const releaseStockScript = defineScript<ReleaseReply>(releaseStockLua);

const itemIds = (message: SagaMessage) => message.lines.map(([itemId]) => itemId);

/** reserve-stock: every line's quantity, or nothing. `by` names the delivery, for the log. */
export async function reserveStock(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  const quantities = message.lines.map(([, quantity]) => quantity);
  const reply = await reserveStockScript(
    redisFor('stock'),
    [stockMarkerKey(message.sagaId), STOCK_LOG_KEY, ...itemIds(message).map(itemKey)],
    [message.sagaId, config.retentionMs, actUntil(message, config.messageGraceMs), by, ...itemIds(message), ...quantities],
  );
  if (reply[0] === 'done') return { status: 'done' };
  if (reply[0] === 'cancelled') return { status: 'fenced' };
  if (reply[0] === 'expired') return { status: 'expired' };
  const itemId = reply[2];
  if (reply[1] === 'missing') return { status: 'refused', reason: refusals.itemMissing(itemId) };
  const wanted = message.lines.find(([id]) => id === itemId)?.[1] ?? 0;
  return { status: 'refused', reason: refusals.stockShort(itemId, reply[3], wanted) };
}

/** The release itself; recovery passes its fencing token, the saga step none. */
export async function releaseReservation(message: SagaMessage, recoveryToken = '', by = recoveryToken ? '' : 'saga step'): Promise<ReleaseReply[0]> {
  const [outcome] = await releaseStockScript(
    redisFor('stock'),
    [stockMarkerKey(message.sagaId), STOCK_LOG_KEY, STOCK_FENCE_KEY, ...itemIds(message).map(itemKey)],
    [message.sagaId, config.retentionMs, recoveryToken, actUntil(message, config.messageGraceMs), by, ...itemIds(message)],
  );
  return outcome;
}

/** release-stock: gives back what this saga's reservation took (possibly nothing). */
export async function releaseStock(message: SagaMessage, by = 'saga step'): Promise<StepOutcome> {
  return (await releaseReservation(message, '', by)) === 'expired' ? { status: 'expired' } : { status: 'done' };
}

export interface StockMarker {
  reserve?: 'done' | 'refused' | 'cancelled';
  release?: 'done';
  movedAt?: number;
}

export async function readStockMarker(sagaId: string): Promise<StockMarker> {
  const [reserve, release, movedAt] = await redisFor('stock').hmget(stockMarkerKey(sagaId), 'reserve', 'release', 'moved_at');
  return {
    reserve: (reserve ?? undefined) as StockMarker['reserve'],
    release: (release ?? undefined) as StockMarker['release'],
    movedAt: movedAt ? Number(movedAt) : undefined,
  };
}

/** Recovery's sweep: the markers of finished sagas that no message can act on any more. */
export async function forgetStockMarkers(sagaIds: string[]): Promise<void> {
  if (sagaIds.length > 0) await redisFor('stock').del(...sagaIds.map(stockMarkerKey));
}
