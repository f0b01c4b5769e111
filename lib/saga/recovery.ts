// Recovery, in one module and behind one call: `replayLog()` finishes or compensates every stuck
// saga and returns a report. Inside it: the decision (the pure lib/domain/recovery.ts, used only
// here), the lock (one replay at a time), the fencing token (drawn above the fence every service
// holds, and checked by each recovery write in the same script as the write) and the sweep of
// long-finished sagas. Every way a run ends — lock held elsewhere, lock lost, a newer replay
// wrote first, an injected crash — is a value, never an exception; only real failures throw.
import { config } from '../clients/config';
import type { SagaMessage } from '../domain/checkout';
import { decideRecovery, orphanCutoff, recoveryRefusals, type RecoveryAction } from '../domain/recovery';
import { crashPoint } from '../lambda/faults';
import { forgetPaymentMarkers, readPaymentMarker } from '../store/saga-payment';
import { forgetStockMarkers, readStockMarker } from '../store/saga-stock';
import { redisNow } from '../store/redis-clock';
import { forgetSwept, openSagaPage, sweepableSagas, writeVerdict, type IndexPosition, type OpenSaga } from '../store/saga-order';
import { advanceLogCursor, scanOrderLog, scanTook, type LogPage } from './log-scan';
import { settleOrphan, unknownSagas, type OrphanLine } from './orphans';
import { drawToken, holdLock } from './recovery-lock';
import { sendToStep } from './queues';
import type { StepName } from './steps';
import type { SagaUndo } from './definition';
import { resendTarget, UNDO_PLAN, UNDO_SCRIPTS } from './undos';

// Short, and extended while a replay runs: a replay that died blocks the next one for at most this.
const LOCK_MS = 10_000;
const SWEEP_PAGE = 5_000;
const SWEEP_PAGES_PER_RUN = 200;
// Bounded work per round: one page of open sagas and one page of each log, then every cursor
// moves. A run goes round after round until nothing is left or its time budget is spent (the
// scheduled function's budget is its invocation's time, its schedule's period, less room for the
// sweep and the report: under a backlog one run follows another; by hand the default below).
const SAGA_PAGE = 1_000;
const LOG_PAGE = 5_000;
const RUN_BUDGET_MS = 40_000;

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
  /** Reservations and charges whose saga the order service does not know, given back. */
  orphans?: OrphanLine[];
  /** Stock- and payment-log entries read (each once it is old enough to judge). */
  stepEntries?: number;
  /** Rounds of bounded work this run did (one page of open sagas and of each log per round). */
  rounds?: number;
  /** True when the run's time budget ended with work left: run it again soon. */
  more?: boolean;
}

/** A recovery write, named for tests that stop a replay between two writes: an undo the saga's declaration names, the verdict, and the replay's own. */
export type ReplayWrite = SagaUndo | 'complete-order' | 'resend' | 'sweep' | 'refund-charge';

export interface ReplayOptions {
  staleMs?: number;
  /**
   * The replay host's clock: it only measures how long the run has taken (its budget). Every age
   * (a saga's deadline, its staleness, a marker's retention) is judged by the Redis clock.
   */
  now?: () => number;
  /** How long a run may go on taking rounds before it stops and says `more` (default 40 s). */
  budgetMs?: number;
  /** Page sizes: open sagas decided per round (1,000), log entries read per log per round (5,000). */
  sagaPage?: number;
  logPage?: number;
  lockMs?: number;
  send?: (step: StepName, message: SagaMessage) => Promise<void>;
  /**
   * Runs before every write. Answering 'crash' stops the replay there as a crash would: no further
   * write, no lock release, no lock extension (the lock expires on its own).
   */
  beforeWrite?: (write: ReplayWrite, sagaId: string) => 'crash' | void | Promise<'crash' | void>;
}

type Outcome = { line: ReplayLine; stop?: 'lost-turn' | 'crashed' };

async function recoverOne(
  open: OpenSaga,
  token: number,
  now: number,
  options: Required<Pick<ReplayOptions, 'staleMs' | 'send'>> & ReplayOptions,
): Promise<Outcome> {
  const { startedAt, ...facts } = open; // the saga's messages carry its facts only
  const [stock, payment] = await Promise.all([readStockMarker(facts.sagaId), readPaymentMarker(facts.sagaId)]);
  // What a message would carry by now: the batch_init generations the steps took from.
  const saga: SagaMessage = {
    ...facts,
    stockGeneration: stock.generation,
    paymentGeneration: payment.generation,
  };
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
    case 'resend': {
      const step = resendTarget(action.service);
      if (await crashes('resend')) return crashed('resend');
      await options.send(step, saga);
      return done(`re-sent ${step}`);
    }
    case 'complete-paid':
      return complete('completed as paid');
    case 'refuse':
    case 'compensate': {
      // Every undo the declaration names, last step first, whatever the markers said: after the
      // charge is fenced off and the stock given back (or the reservation fenced off), a delayed
      // charge-payment can never take the money and a delayed reserve-stock never the stock.
      const undone: string[] = [];
      for (const { undo, fencesOnly } of UNDO_PLAN) {
        if (await crashes(undo)) return crashed(undo);
        const result = await UNDO_SCRIPTS[undo].run(saga, token);
        if (result === 'fenced') return lostTurn(undo);
        if (fencesOnly && result === 'done') {
          // The charge came first and is never given back: roll forward (with its generations).
          const [reserved, charged] = await Promise.all([readStockMarker(saga.sagaId), readPaymentMarker(saga.sagaId)]);
          Object.assign(saga, {
            stockGeneration: reserved.generation,
            paymentGeneration: charged.generation,
          });
          return complete('charged meanwhile: completed as paid');
        }
        undone.push(`${UNDO_SCRIPTS[undo].says} ${result}`);
      }
      const why = action.kind === 'refuse' ? recoveryRefusals.refused(saga.orderId, action.why) : recoveryRefusals.timedOut(saga.orderId);
      return complete(`refused: ${undone.join(', ')}`, why);
    }
  }
}

/** Removes the step markers of finished sagas that no message can act on any more. */
async function sweepFinished(options: ReplayOptions, lockLost: () => boolean): Promise<number | 'crashed'> {
  let swept = 0;
  for (let page = 0; page < SWEEP_PAGES_PER_RUN && !lockLost(); page++) {
    // The order Redis's clock, the one that scored them (never this host's: defect 5 of issue 19).
    const sagaIds = await sweepableSagas(await redisNow('order'), SWEEP_PAGE);
    if (sagaIds.length === 0) break;
    if ((await options.beforeWrite?.('sweep', sagaIds[0])) === 'crash') return 'crashed';
    await Promise.all([forgetStockMarkers(sagaIds), forgetPaymentMarkers(sagaIds)]);
    await forgetSwept(sagaIds);
    swept += sagaIds.length;
    if (sagaIds.length < SWEEP_PAGE) break;
  }
  return swept;
}

/** What one round did: how it ended (if it stopped the run), and whether work may be left. */
interface Round {
  stop?: Outcome['stop'] | 'lost-lock';
  stoppedAt?: string;
  more: boolean;
}

/** What a run has done so far, for its report. */
interface RunTally {
  lines: ReplayLine[];
  orphans: OrphanLine[];
  relisted: string[];
  logEntries: number;
  stepEntries: number;
  rounds: number;
  /** Where the walk through the open-saga index stands. */
  position?: IndexPosition;
}

/**
 * One round of bounded work: a page of the order log (relisting lost index entries), a page of the
 * stock and payment logs old enough to judge (giving orphans back), a page of open sagas decided;
 * then every cursor moves past what this round wrote down.
 */
async function replayRound(
  token: number,
  tally: RunTally,
  lockLost: () => boolean,
  settings: Required<Pick<ReplayOptions, 'staleMs' | 'send'>> & ReplayOptions,
): Promise<Round> {
  const sagaPage = settings.sagaPage ?? SAGA_PAGE;
  const logPage = settings.logPage ?? LOG_PAGE;
  tally.rounds++;
  const { checkoutDeadlineMs, messageGraceMs, clockMarginMs } = config;
  const [orderNow, stockNow, paymentNow] = await Promise.all([redisNow('order'), redisNow('stock'), redisNow('payment')]);
  // The order Redis's time, carried forward by this process's monotonic clock (a duration, not a
  // date: a host clock that is off, or jumps, changes nothing) instead of asking Redis per saga.
  const readAt = performance.now();
  const now = () => Math.floor(orderNow + performance.now() - readAt);
  const orderLog = await scanOrderLog(logPage);
  tally.logEntries += orderLog.entries;
  tally.relisted.push(...orderLog.relisted);
  const stepLogs = await Promise.all([
    scanTook('stock', logPage, orphanCutoff(stockNow, checkoutDeadlineMs, messageGraceMs, clockMarginMs)),
    scanTook('payment', logPage, orphanCutoff(paymentNow, checkoutDeadlineMs, messageGraceMs, clockMarginMs)),
  ]);
  tally.stepEntries += stepLogs[0].entries + stepLogs[1].entries;
  const crashes = async (write: ReplayWrite, sagaId: string) => (await settings.beforeWrite?.(write, sagaId)) === 'crash';
  for (const took of await unknownSagas(stepLogs.flatMap((page) => page.took))) {
    const outcome = await settleOrphan(took, token, (write) => crashes(write, took.sagaId));
    if (outcome.line) tally.orphans.push(outcome.line);
    if (outcome.stop) return { stop: outcome.stop, stoppedAt: took.sagaId, more: true };
  }
  // A saga put back in the index is decided in this run: the walk through the index starts over.
  if (orderLog.relisted.length > 0) tally.position = undefined;
  const page = await openSagaPage(orderNow, sagaPage, tally.position);
  for (const saga of page.sagas) {
    if (lockLost()) return { stop: 'lost-lock', more: true };
    let outcome: Outcome;
    try {
      outcome = await recoverOne(saga, token, now(), settings);
    } catch (error) {
      tally.lines.push({
        sagaId: saga.sagaId,
        orderId: saga.orderId,
        action: 'wait',
        why: 'failed',
        result: `error: ${(error as Error).message}`,
      });
      continue;
    }
    tally.lines.push(outcome.line);
    if (outcome.stop) return { stop: outcome.stop, stoppedAt: saga.sagaId, more: true };
    crashPoint('mid-replay');
  }
  tally.position = page.last;
  // Every saga this round's pages named is relisted, given back or decided (or left to wait,
  // listed): the next round, and the next run, may start after them.
  await Promise.all([orderLog, ...stepLogs].map((read: LogPage) => advanceLogCursor(read)));
  return { more: orderLog.full || stepLogs.some((read) => read.full) || page.full };
}

/**
 * Finishes or compensates every saga that is open and has not moved for `staleMs`, gives back what
 * sagas the order service does not know hold, then sweeps the step markers of long-finished sagas.
 * The work comes in rounds of bounded pages whose cursors move round by round, until nothing is
 * left or the time budget is spent (`more` then says to run again soon). One replay at a time: it
 * holds a redlock lock (extended while it runs) and draws a fencing token that every recovery
 * write checks in the same script, so a replay that lost its lock cannot write after a newer one
 * has. The report says how it ended.
 */
export async function replayLog(options: ReplayOptions = {}): Promise<ReplayReport> {
  const settings = {
    staleMs: options.staleMs ?? config.replayStaleMs,
    send: options.send ?? sendToStep,
    ...options,
  };
  const hostClock = options.now ?? Date.now;
  const began = hostClock();
  const budgetMs = options.budgetMs ?? RUN_BUDGET_MS;
  const lock = await holdLock(options.lockMs ?? LOCK_MS);
  if (!lock) return { ran: false, note: 'another replay holds the lock', lines: [], swept: 0 };
  const tally: RunTally = { lines: [], orphans: [], relisted: [], logEntries: 0, stepEntries: 0, rounds: 0 };
  let token: number;
  try {
    token = await drawToken();
  } catch (error) {
    await lock.release();
    throw error;
  }
  let more = false;
  const report = (note: string | undefined, swept = 0): ReplayReport => ({
    ran: true,
    token,
    note,
    lines: tally.lines,
    swept,
    logEntries: tally.logEntries,
    relisted: tally.relisted,
    orphans: tally.orphans,
    stepEntries: tally.stepEntries,
    rounds: tally.rounds,
    more,
  });
  const stop = async (how: Outcome['stop'] | 'lost-lock', sagaId?: string): Promise<ReplayReport> => {
    more = true;
    if (how === 'crashed') {
      lock.abandon(); // as a crash would: the lock expires on its own
      return report('crashed (injected)');
    }
    await lock.release();
    return report(
      how === 'lost-lock' ? 'lost the lock; stopped' : `a newer recovery wrote while saga ${sagaId} was being handled; stopped`,
    );
  };
  for (;;) {
    if (lock.lost()) return stop('lost-lock');
    let round: Round;
    try {
      round = await replayRound(token, tally, lock.lost, settings);
    } catch (error) {
      await lock.release();
      throw error;
    }
    if (round.stop) return stop(round.stop, round.stoppedAt);
    if (!round.more) break;
    if (hostClock() - began >= budgetMs) {
      more = true;
      break;
    }
  }
  const swept = await sweepFinished(options, lock.lost);
  if (swept === 'crashed') return stop('crashed');
  await lock.release();
  // Its writes stand either way: each was fenced by its token, so none came after a newer replay's.
  return report(lock.lost() ? 'the lock expired while it ran' : undefined, swept);
}
