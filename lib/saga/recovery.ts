// Recovery, in one module and behind one call: `replayLog()` finishes or compensates every stuck
// saga and returns a report. Inside it: the decision (the pure lib/domain/recovery.ts, used only
// here), the lock (one replay at a time), the fencing token (drawn above the fence every service
// holds, and checked by each recovery write in the same script as the write) and the sweep of
// long-finished sagas. Every way a run ends — lock held elsewhere, lock lost, a newer replay
// wrote first, an injected crash — is a value, never an exception; only real failures throw.
import Redlock, { ExecutionError, ResourceLockedError, type Lock } from 'redlock';
import { config } from '../config';
import type { SagaMessage } from '../domain/checkout';
import { decideRecovery, recoveryRefusals, type RecoveryAction } from '../domain/recovery';
import { crashPoint } from '../faults';
import { redisFor } from '../redis';
import drawRecoveryTokenLua from '../store/lua/draw-recovery-token.lua';
import { forgetPaymentMarkers, abortCharge, PAYMENT_FENCE_KEY, readPaymentMarker } from '../store/saga-payment';
import { forgetStockMarkers, releaseReservation, readStockMarker, STOCK_FENCE_KEY } from '../store/saga-stock';
import { forgetSwept, openSagas, ORDER_FENCE_KEY, sweepableSagas, writeVerdict, type OpenSaga } from '../store/saga-order';
import { defineScript } from '../store/script';
import { advanceLogCursor, scanOrderLog, type LogScan } from './log-scan';
import { sendToStep } from './queues';
import type { StepName } from './steps';

const LOCK_KEY = '{order}:recovery:lock';
const EPOCH_KEY = '{order}:recovery:epoch';
// Short, and extended while a replay runs: a replay that died blocks the next one for at most this.
const LOCK_MS = 10_000;
const SWEEP_PAGE = 5_000;
const SWEEP_PAGES_PER_RUN = 200;

const drawRecoveryToken = defineScript({
  name: 'draw-recovery-token',
  source: drawRecoveryTokenLua,
  keys: ['epoch'],
  args: ['floor'],
  reply: { drawn: { token: 'integer' } },
});

export interface ReplayLine {
  sagaId: string;
  orderId: string;
  action: RecoveryAction['kind'];
  why: string;
  result: string;
}

export interface ReplayReport {
  /** False only when another replay held the lock, so this one wrote nothing. */
  ran: boolean;
  token?: number;
  note?: string;
  lines: ReplayLine[];
  /** Finished sagas whose step markers the sweep removed. */
  swept: number;
  /** Order-log entries read since the previous run, and open sagas found there missing from the index. */
  logEntries?: number;
  relisted?: string[];
}

/** A recovery write, named for tests that stop a replay between two writes. */
export type ReplayWrite = 'abort-charge' | 'release-stock' | 'complete-order' | 'resend' | 'sweep';

export interface ReplayOptions {
  staleMs?: number;
  now?: () => number;
  lockMs?: number;
  send?: (step: StepName, message: SagaMessage) => Promise<void>;
  /**
   * Runs before every write. Answering 'crash' stops the replay there as a crash would: no further
   * write, no lock release, no lock extension (the lock expires on its own).
   */
  beforeWrite?: (write: ReplayWrite, sagaId: string) => 'crash' | void | Promise<'crash' | void>;
}

type Outcome = { line: ReplayLine; stop?: 'lost-turn' | 'crashed' };

async function recoverOne(open: OpenSaga, token: number, now: number, options: Required<Pick<ReplayOptions, 'staleMs' | 'send'>> & ReplayOptions): Promise<Outcome> {
  const { startedAt, ...saga } = open; // the saga's messages carry its facts only
  const [stock, payment] = await Promise.all([readStockMarker(saga.sagaId), readPaymentMarker(saga.sagaId)]);
  const action = decideRecovery(
    {
      now,
      deadlineAt: saga.deadlineAt,
      lastMovedAt: Math.max(startedAt, stock.movedAt ?? 0, payment.movedAt ?? 0),
      reserve: stock.reserve,
      release: stock.release,
      charge: payment.charge,
    },
    options.staleMs,
  );
  const done = (result: string, stop?: Outcome['stop']): Outcome => ({
    line: { sagaId: saga.sagaId, orderId: saga.orderId, action: action.kind, why: action.why, result },
    stop,
  });
  const crashes = async (write: ReplayWrite) => (await options.beforeWrite?.(write, saga.sagaId)) === 'crash';
  const crashed = (write: ReplayWrite) => done(`crashed before ${write}`, 'crashed');
  const lostTurn = (write: ReplayWrite) => done(`stopped: a newer recovery wrote before ${write}`, 'lost-turn');
  const complete = async (said: string, refusal?: string): Promise<Outcome> => {
    if (await crashes('complete-order')) return crashed('complete-order');
    const verdict = await writeVerdict(refusal === undefined ? saga : { ...saga, refusal }, String(token));
    return verdict === 'fenced' ? lostTurn('complete-order') : done(`${said} (${verdict})`);
  };
  switch (action.kind) {
    case 'wait':
      return done('left alone');
    case 'resend':
      if (await crashes('resend')) return crashed('resend');
      await options.send(action.step, saga);
      return done(`re-sent ${action.step}`);
    case 'complete-paid':
      return complete('completed as paid');
    case 'refuse':
    case 'compensate': {
      // Fence the charge first, then the stock, whatever the markers said: after these, a delayed
      // charge-payment can never take the money and a delayed reserve-stock never the stock.
      if (await crashes('abort-charge')) return crashed('abort-charge');
      const charge = await abortCharge(saga.sagaId, token);
      if (charge === 'fenced') return lostTurn('abort-charge');
      if (charge === 'done') return complete('charged meanwhile: completed as paid');
      if (await crashes('release-stock')) return crashed('release-stock');
      const released = await releaseReservation(saga, String(token));
      if (released === 'fenced') return lostTurn('release-stock');
      const why = action.kind === 'refuse' ? recoveryRefusals.refused(saga.orderId, action.why) : recoveryRefusals.timedOut(saga.orderId);
      return complete(`refused: charge ${charge}, stock ${released}`, why);
    }
  }
}

/** A token above every fence any service holds, whatever happened to the epoch counter. */
async function drawToken(): Promise<number> {
  const fences = await Promise.all([
    redisFor('stock').get(STOCK_FENCE_KEY),
    redisFor('payment').get(PAYMENT_FENCE_KEY),
    redisFor('order').get(ORDER_FENCE_KEY),
  ]);
  const floor = Math.max(0, ...fences.map((fence) => Number(fence ?? 0)));
  return (await drawRecoveryToken(redisFor('order'), { epoch: EPOCH_KEY, floor })).token;
}

interface HeldLock {
  lost: () => boolean;
  release: () => Promise<void>;
  /** What a crash does: stops extending, releases nothing. */
  abandon: () => void;
}

/** Whether an acquire failed only because the lock is held: every vote against it says so. */
async function lockedElsewhere(error: unknown): Promise<boolean> {
  if (!(error instanceof ExecutionError)) return false;
  const attempts = await Promise.all(error.attempts);
  return attempts.every((attempt) => [...attempt.votesAgainst.values()].every((vote) => vote instanceof ResourceLockedError));
}

/**
 * The lock, extended in the background; `lost` turns true once an extension or the release fails.
 * Null when another replay holds it. redlock reports that by throwing: turned into a value here,
 * while any other failure (the order Redis is away) stays an error.
 */
async function holdLock(lockMs: number): Promise<HeldLock | null> {
  const redlock = new Redlock([redisFor('order')], { retryCount: 0 });
  let lock: Lock;
  try {
    lock = await redlock.acquire([LOCK_KEY], lockMs);
  } catch (error) {
    if (await lockedElsewhere(error)) return null;
    throw error;
  }
  let lost = false;
  const timer = setInterval(() => {
    lock.extend(lockMs).then(
      (extended) => (lock = extended),
      () => (lost = true),
    );
  }, lockMs / 3);
  return {
    lost: () => lost,
    release: async () => {
      clearInterval(timer);
      await lock.release().catch(() => (lost = true));
    },
    abandon: () => clearInterval(timer),
  };
}

/** Removes the step markers of finished sagas that no message can act on any more. */
async function sweepFinished(now: number, options: ReplayOptions, lockLost: () => boolean): Promise<number | 'crashed'> {
  let swept = 0;
  for (let page = 0; page < SWEEP_PAGES_PER_RUN && !lockLost(); page++) {
    const sagaIds = await sweepableSagas(now, SWEEP_PAGE);
    if (sagaIds.length === 0) break;
    if ((await options.beforeWrite?.('sweep', sagaIds[0])) === 'crash') return 'crashed';
    await Promise.all([forgetStockMarkers(sagaIds), forgetPaymentMarkers(sagaIds)]);
    await forgetSwept(sagaIds);
    swept += sagaIds.length;
    if (sagaIds.length < SWEEP_PAGE) break;
  }
  return swept;
}

/**
 * Finishes or compensates every saga that is open and has not moved for `staleMs`, then sweeps the
 * step markers of long-finished sagas. One replay at a time: it holds a redlock lock (extended
 * while it runs) and draws a fencing token that every recovery write checks in the same script,
 * so a replay that lost its lock cannot write after a newer one has. The report says how it ended.
 */
export async function replayLog(options: ReplayOptions = {}): Promise<ReplayReport> {
  const settings = { staleMs: options.staleMs ?? config.replayStaleMs, send: options.send ?? sendToStep, ...options };
  const clock = options.now ?? Date.now;
  const lock = await holdLock(options.lockMs ?? LOCK_MS);
  if (!lock) return { ran: false, note: 'another replay holds the lock', lines: [], swept: 0 };
  const lines: ReplayLine[] = [];
  let token: number;
  let scan: LogScan;
  try {
    token = await drawToken();
    scan = await scanOrderLog();
  } catch (error) {
    await lock.release();
    throw error;
  }
  const report = (note: string | undefined, swept = 0): ReplayReport => ({ ran: true, token, note, lines, swept, logEntries: scan.entries, relisted: scan.relisted });
  const stop = async (how: Outcome['stop'] | 'lost-lock', sagaId?: string): Promise<ReplayReport> => {
    if (how === 'crashed') {
      lock.abandon(); // as a crash would: the lock expires on its own
      return report('crashed (injected)');
    }
    await lock.release();
    return report(how === 'lost-lock' ? 'lost the lock; stopped' : `a newer recovery wrote while saga ${sagaId} was being handled; stopped`);
  };
  for (const saga of await openSagas(clock())) {
    if (lock.lost()) return stop('lost-lock');
    let outcome: Outcome;
    try {
      outcome = await recoverOne(saga, token, clock(), settings);
    } catch (error) {
      lines.push({ sagaId: saga.sagaId, orderId: saga.orderId, action: 'wait', why: 'failed', result: `error: ${(error as Error).message}` });
      continue;
    }
    lines.push(outcome.line);
    if (outcome.stop) return stop(outcome.stop, saga.sagaId);
    crashPoint('mid-replay');
  }
  // Every saga the scanned entries named is decided (or left to wait, listed): the next run may start after them.
  await advanceLogCursor(scan);
  const swept = await sweepFinished(clock(), options, lock.lost);
  if (swept === 'crashed') return stop('crashed');
  await lock.release();
  // Its writes stand either way: each was fenced by its token, so none came after a newer replay's.
  return report(lock.lost() ? 'the lock expired while it ran' : undefined, swept);
}
