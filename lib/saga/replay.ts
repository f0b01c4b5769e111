import Redlock, { ExecutionError } from 'redlock';
import { config } from '../config';
import { decideRecovery, recoveryRefusals, type RecoveryAction } from '../domain/recovery';
import { crashPoint } from '../faults';
import { redisFor } from '../redis';
import { releaseReservation, readStockMarker } from '../store/saga-stock';
import { abortCharge, readPaymentMarker } from '../store/saga-payment';
import { openSagas, writeVerdict, type OpenSaga } from '../store/saga-order';
import { sendToStep } from './queues';

const LOCK_KEY = '{order}:recovery:lock';
const EPOCH_KEY = '{order}:recovery:epoch';
// Short, and extended while a replay runs: a replay that died blocks the next one for at most this.
const LOCK_MS = 10_000;

export interface ReplayLine {
  sagaId: string;
  orderId: string;
  action: RecoveryAction['kind'];
  why: string;
  result: string;
}

export interface ReplayReport {
  ran: boolean;
  token?: number;
  note?: string;
  lines: ReplayLine[];
}

/** A recovery write refused because a newer recovery has written since: this one lost its turn. */
class LostTurn extends Error {}

async function recoverOne(open: OpenSaga, token: number, now: number, staleMs: number): Promise<ReplayLine> {
  const { startedAt, deadlineAt, ...saga } = open; // the saga's messages carry its facts only
  const [stock, payment] = await Promise.all([readStockMarker(saga.sagaId), readPaymentMarker(saga.sagaId)]);
  const action = decideRecovery(
    {
      now,
      deadlineAt,
      lastMovedAt: Math.max(startedAt, stock.movedAt ?? 0, payment.movedAt ?? 0),
      reserve: stock.reserve,
      release: stock.release,
      charge: payment.charge,
    },
    staleMs,
  );
  const line = (result: string): ReplayLine => ({ sagaId: saga.sagaId, orderId: saga.orderId, action: action.kind, why: action.why, result });
  const fenced = (outcome: string) => {
    if (outcome === 'fenced') throw new LostTurn(`a newer recovery wrote while saga ${saga.sagaId} was being handled`);
    return outcome;
  };
  const complete = async (refusal?: string) =>
    fenced(await writeVerdict(refusal === undefined ? saga : { ...saga, refusal }, String(token)));
  switch (action.kind) {
    case 'wait':
      return line('left alone');
    case 'resend':
      await sendToStep(action.step, saga);
      return line(`re-sent ${action.step}`);
    case 'complete-paid':
      return line(`completed as paid (${await complete()})`);
    case 'refuse': {
      if (action.release) fenced(await releaseReservation(saga, String(token)));
      return line(`refused (${await complete(recoveryRefusals.refused(saga.orderId, action.why))})`);
    }
    case 'compensate': {
      // Fence the charge first: after this, a delayed charge-payment can never take the money.
      const charge = fenced(await abortCharge(saga.sagaId, token));
      if (charge === 'done') return line(`charged meanwhile: completed as paid (${await complete()})`);
      const released = fenced(await releaseReservation(saga, String(token)));
      return line(`compensated: charge ${charge}, stock ${released}, order refused (${await complete(recoveryRefusals.timedOut(saga.orderId))})`);
    }
  }
}

/**
 * Finishes or compensates every saga that is open and has not moved for `staleMs`. One replay at
 * a time: it holds a redlock lock (extended while it runs) and draws a fencing token that every
 * recovery write checks in the same script, so a replay that lost its lock cannot write.
 */
export async function replayLog(options: { staleMs?: number; now?: () => number } = {}): Promise<ReplayReport> {
  const staleMs = options.staleMs ?? config.replayStaleMs;
  const clock = options.now ?? Date.now;
  const redlock = new Redlock([redisFor('order')], { retryCount: 0 });
  try {
    return await redlock.using([LOCK_KEY], LOCK_MS, async (signal) => {
      const token = await redisFor('order').incr(EPOCH_KEY);
      const lines: ReplayLine[] = [];
      const sagas = await openSagas(clock());
      for (const saga of sagas) {
        if (signal.aborted) return { ran: true, token, note: 'lost the lock; stopped', lines };
        try {
          lines.push(await recoverOne(saga, token, clock(), staleMs));
        } catch (error) {
          if (error instanceof LostTurn) return { ran: true, token, note: error.message, lines };
          lines.push({ sagaId: saga.sagaId, orderId: saga.orderId, action: 'wait', why: 'failed', result: `error: ${(error as Error).message}` });
        }
        crashPoint('mid-replay');
      }
      return { ran: true, token, lines };
    });
  } catch (error) {
    if (error instanceof ExecutionError) return { ran: false, note: 'another replay holds the lock', lines: [] };
    throw error;
  }
}
