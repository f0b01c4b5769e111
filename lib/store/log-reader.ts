import type { LogEntry, LogService } from '../domain/log-audit';
import { redisFor } from '../clients/redis';
import { STOCK_LOG_KEY } from './stock-store';
import { PAYMENT_LOG_KEY } from './payment-store';
import { ORDER_LOG_KEY } from './saga-order';

const LOG_KEYS: Record<LogService, string> = {
  stock: STOCK_LOG_KEY,
  payment: PAYMENT_LOG_KEY,
  order: ORDER_LOG_KEY,
};
const PAGE = 5_000;

const asFields = (flat: string[]) => {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
};

/**
 * The entries of one service's log after `after` (exclusive; '-' for the whole retained log), in
 * order, page by page: `visit` sees each page, and the reading stops early when it returns false.
 * Returns the id of the last entry read.
 */
export async function readLog(
  service: LogService,
  after: string,
  visit: (page: LogEntry[]) => boolean | void,
  limit = Infinity,
): Promise<string> {
  let cursor = after;
  let read = 0;
  while (read < limit) {
    const start = cursor === '-' ? '-' : `(${cursor}`;
    const page = await redisFor(service).xrange(LOG_KEYS[service], start, '+', 'COUNT', Math.min(PAGE, limit - read));
    if (page.length === 0) break;
    cursor = page[page.length - 1][0];
    read += page.length;
    if (visit(page.map(([id, flat]) => ({ service, id, fields: asFields(flat) }))) === false) break;
    if (page.length < PAGE) break;
  }
  return cursor;
}

/** Every retained entry of one service's log. */
export async function wholeLog(service: LogService): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  await readLog(service, '-', (page) => void entries.push(...page));
  return entries;
}
