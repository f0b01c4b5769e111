// What the replay reads from the three services' logs, one bounded page at a time, each log from
// a cursor of its own kept in its own service's Redis (so the cursor and the log it points into are
// lost or kept together). A cursor moves only once what its page named is written down (relisted
// in the index, or its orphan given back), so a run that dies reads the same page again.
import type { LogService } from '../domain/log-audit';
import { redisFor } from '../clients/redis';
import { PAYMENT_LOG_KEY } from '../store/payment-store';
import { ORDER_LOG_KEY, relistOpenSaga } from '../store/saga-order';
import { STOCK_LOG_KEY } from '../store/stock-store';
import { finalStepOf, SAGA, stepNamesOf, takesSomething } from './definition';

const LOG_KEYS: Record<LogService, string> = {
  stock: STOCK_LOG_KEY,
  payment: PAYMENT_LOG_KEY,
  order: ORDER_LOG_KEY,
};
// A saga is finished once its final step wrote; what a service's steps took is in the entries of
// its steps that declare an undo (reserve-stock's in the stock log, charge-payment's in the payment log).
const FINAL_STEP = finalStepOf(SAGA);
const takingStepsOf = (service: StepTook['service']): string[] =>
  stepNamesOf(SAGA).filter((step) => SAGA.steps[step].service === service && takesSomething(SAGA.steps[step]));
const TAKING_STEPS = { stock: takingStepsOf('stock'), payment: takingStepsOf('payment') };

export const logCursorKey = (service: LogService) => `{${service}}:recovery:log-cursor`;

export interface LogPage {
  service: LogService;
  entries: number;
  /** Where the next page starts: store it with `advanceLogCursor` once this page's work is written. */
  readTo: string;
  /** True when the page was full: more entries may follow. */
  full: boolean;
}

export interface OrderLogPage extends LogPage {
  /** Sagas begun in the page's entries, not finished, and missing from the open-saga index: now listed again. */
  relisted: string[];
}

/** A reservation or a charge that took something, as its service's log recorded it. */
export interface StepTook {
  sagaId: string;
  service: 'stock' | 'payment';
  /** The user the charge took credit from (payment), the items the reservation took (stock). */
  userId?: string;
  itemIds?: string[];
}

export interface TookPage extends LogPage {
  took: StepTook[];
}

const asFields = (flat: string[]) => {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
};

/** At most `limit` entries after the cursor, up to `until` (a stream id or '+'). */
async function readPage(service: LogService, limit: number, until = '+') {
  const redis = redisFor(service);
  const from = (await redis.get(logCursorKey(service))) ?? '-';
  const page = await redis.xrange(LOG_KEYS[service], from === '-' ? '-' : `(${from}`, until, 'COUNT', limit);
  const entries = page.map(([id, flat]) => ({ id, fields: asFields(flat) }));
  return { entries, readTo: page.length > 0 ? page[page.length - 1][0] : from, full: page.length === limit };
}

/**
 * One page of the order log after the cursor: every saga begun there and not finished that is
 * missing from the open-saga index is put back, with its start time, so the replay settles it like
 * any other. begin-checkout writes its entry, the saga record and the index entry in one script.
 */
export async function scanOrderLog(limit: number): Promise<OrderLogPage> {
  const { entries, readTo, full } = await readPage('order', limit);
  const begun = new Map<string, string>();
  for (const { fields } of entries) {
    if (fields.step === 'begin-checkout') begun.set(fields.saga, fields.t);
    else if (fields.step === FINAL_STEP) begun.delete(fields.saga);
  }
  const relisted: string[] = [];
  const outcomes = await Promise.all([...begun.keys()].map(async (sagaId) => ((await relistOpenSaga(sagaId)) ? sagaId : null)));
  for (const sagaId of outcomes) if (sagaId !== null) relisted.push(sagaId);
  return { service: 'order', entries: entries.length, readTo, full, relisted };
}

/**
 * One page of the stock or payment log after its cursor, up to `cutoff` (epoch ms by that
 * service's Redis clock: entries later than it are left for a later run), and the reservations and
 * charges in it that took something.
 */
export async function scanTook(service: 'stock' | 'payment', limit: number, cutoff: number): Promise<TookPage> {
  if (cutoff < 0) return { service, entries: 0, readTo: '-', full: false, took: [] };
  const { entries, readTo, full } = await readPage(service, limit, String(Math.floor(cutoff)));
  const took: StepTook[] = [];
  for (const { fields } of entries) {
    if (fields.outcome !== 'done' || !TAKING_STEPS[service].includes(fields.step)) continue;
    if (service === 'stock') {
      const itemIds = (fields.lines ?? '')
        .split(',')
        .filter(Boolean)
        .map((line) => line.split(' ')[0]);
      took.push({ sagaId: fields.saga, service, itemIds });
    } else {
      took.push({ sagaId: fields.saga, service, userId: fields.user });
    }
  }
  return { service, entries: entries.length, readTo, full, took };
}

export async function advanceLogCursor(page: LogPage): Promise<void> {
  if (page.readTo !== '-') await redisFor(page.service).set(logCursorKey(page.service), page.readTo);
}
