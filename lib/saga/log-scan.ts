import { redisFor } from '../redis';
import { readLog } from '../store/log-reader';
import { OPEN_SAGAS_KEY, sagaKey } from '../store/saga-order';

const CURSOR_KEY = '{order}:recovery:log-cursor';

export interface LogScan {
  /** Sagas begun in the scanned entries, not finished, and missing from the open-saga index: now listed again. */
  relisted: string[];
  entries: number;
  /** Where the next run starts: store it with `advanceLogCursor` once this run's decisions are written. */
  readTo: string;
}

/**
 * Reads the order log from where the previous replay stopped and finds every saga begun there and
 * not finished. The order log is where every saga begins (begin-checkout writes its entry, the
 * saga record and the index entry in one script), so it alone names every saga; the stock and
 * payment logs only repeat saga ids it already has. A saga found open but missing from the index
 * is put back, with its start time, so the replay settles it like any other.
 */
export async function scanOrderLog(): Promise<LogScan> {
  const from = (await redisFor('order').get(CURSOR_KEY)) ?? '-';
  const begun = new Map<string, string>();
  let entries = 0;
  const readTo = await readLog('order', from, (page) => {
    entries += page.length;
    for (const { fields } of page) {
      if (fields.step === 'begin-checkout') begun.set(fields.saga, fields.t);
      else if (fields.step === 'complete-order') begun.delete(fields.saga);
    }
  });
  const candidates = [...begun];
  const records = await Promise.all(candidates.map(([sagaId]) => redisFor('order').hmget(sagaKey(sagaId), 'verdict', 'started_at')));
  const listed = await Promise.all(candidates.map(([sagaId]) => redisFor('order').zscore(OPEN_SAGAS_KEY, sagaId)));
  const relisted: string[] = [];
  for (const [index, [sagaId]] of candidates.entries()) {
    const [verdict, startedAt] = records[index];
    if (startedAt === null || verdict !== '' || listed[index] !== null) continue;
    await redisFor('order').zadd(OPEN_SAGAS_KEY, 'NX', startedAt, sagaId);
    relisted.push(sagaId);
  }
  return { relisted, entries, readTo };
}

export async function advanceLogCursor(scan: LogScan): Promise<void> {
  if (scan.readTo !== '-') await redisFor('order').set(CURSOR_KEY, scan.readTo);
}
