import type { LogEntry, LogService } from '../domain/log-audit';
import { inHistoryOrder, type SagaHistory } from '../domain/saga-history';
import { redisFor } from '../clients/redis';
import { readLog } from './log-reader';
import { sagaKey } from './saga-order';
import { paymentMarkerKey } from './saga-payment';
import { stockMarkerKey } from './saga-stock';

const SERVICES: LogService[] = ['order', 'stock', 'payment'];

/** The sagas an id names: itself if it is a saga, else every saga begun for that order (oldest first). */
export async function sagasNamedBy(id: string): Promise<string[]> {
  if (await redisFor('order').exists(sagaKey(id))) return [id];
  const sagas: string[] = [];
  await readLog('order', '-', (page) => {
    for (const { fields } of page)
      if (fields.step === 'begin-checkout' && (fields.order === id || fields.saga === id)) sagas.push(fields.saga);
  });
  return [...new Set(sagas)];
}

/**
 * One saga's entries from the logs of all three services, in time order (Redis clock, then each
 * log's own order, then `stepOrder` between services: lib/saga's HISTORY_ORDER), with its record
 * and markers as they are now. Reads each log whole: this is an operator's tool, not a hot path.
 */
export async function readSagaHistory(sagaId: string, stepOrder: readonly string[]): Promise<SagaHistory> {
  const entries: LogEntry[] = [];
  await Promise.all(
    SERVICES.map((service) => readLog(service, '-', (page) => void entries.push(...page.filter((entry) => entry.fields.saga === sagaId)))),
  );
  const [record, stock, payment] = await Promise.all([
    redisFor('order').hgetall(sagaKey(sagaId)),
    redisFor('stock').hgetall(stockMarkerKey(sagaId)),
    redisFor('payment').hgetall(paymentMarkerKey(sagaId)),
  ]);
  return { sagaId, entries: inHistoryOrder(entries, stepOrder), record, markers: { stock, payment } };
}
