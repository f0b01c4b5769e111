import { refusals, type SagaMessage } from '../domain/checkout';
import type { StepOutcome } from '../saga/steps';
import { redisFor } from '../redis';
import releaseStockLua from './lua/release-stock.lua';
import reserveStockLua from './lua/reserve-stock.lua';
import { defineScript } from './script';
import { itemKey } from './stock-store';

export const stockMarkerKey = (sagaId: string) => `{stock}:saga:${sagaId}`;

type ReserveReply = ['done'] | ['cancelled'] | ['refused', 'missing', string] | ['refused', 'short', string, string];
const reserveStockScript = defineScript<ReserveReply>(reserveStockLua);
const releaseStockScript = defineScript<['released' | 'nothing-taken' | 'already']>(releaseStockLua);

const itemIds = (message: SagaMessage) => message.lines.map(([itemId]) => itemId);
const keysOf = (message: SagaMessage) => [stockMarkerKey(message.sagaId), ...itemIds(message).map(itemKey)];

/** reserve-stock: every line's quantity, or nothing. */
export async function reserveStock(message: SagaMessage): Promise<StepOutcome> {
  const quantities = message.lines.map(([, quantity]) => quantity);
  const reply = await reserveStockScript(redisFor('stock'), keysOf(message), [...itemIds(message), ...quantities]);
  if (reply[0] === 'done') return { status: 'done' };
  if (reply[0] === 'cancelled') return { status: 'fenced' };
  const itemId = reply[2];
  if (reply[1] === 'missing') return { status: 'refused', reason: refusals.itemMissing(itemId) };
  const wanted = message.lines.find(([id]) => id === itemId)?.[1] ?? 0;
  return { status: 'refused', reason: refusals.stockShort(itemId, reply[3], wanted) };
}

/** release-stock: gives back what this saga's reservation took (possibly nothing). */
export async function releaseStock(message: SagaMessage): Promise<StepOutcome> {
  await releaseStockScript(redisFor('stock'), keysOf(message), itemIds(message));
  return { status: 'done' };
}
