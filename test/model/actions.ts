// The two moves that make a saga progress, each through the real code: delivering a message from
// the bag to its step function (as lib/lambda/saga-step.ts does: parse, run, send the next message), and
// running the replay (lib/saga/recovery.ts) with its `send` and `beforeWrite` hooks wired to the bag.
import { LOCK_KEY, REPLAY_LOCK_MS, type SagaMessage, type StepName } from './saga-lib';
import { count, ModelViolation, note, pickNewest, type ExplorationStats, type SagaModel, type SagaSystem } from './model';

export interface DeliveryFaults {
  /** Leave the message in the bag: it will be delivered again (a duplicate). */
  keep: boolean;
  /** The step wrote, then its process died before sending the next message. */
  crashBeforeSend: boolean;
}

const short = (sagaId: string) => sagaId.slice(sagaId.lastIndexOf('s'));
// JSON both ways, as over SQS: the step sees exactly what a queue would carry.
const overTheWire = (message: SagaMessage) => JSON.stringify(message);

function stepFunction(system: SagaSystem, step: StepName) {
  const { sagaStock, sagaPayment, sagaOrder } = system.lib;
  switch (step) {
    case 'reserve-stock':
      return sagaStock.reserveStock;
    case 'charge-payment':
      return sagaPayment.chargePayment;
    case 'release-stock':
      return sagaStock.releaseStock;
    case 'complete-order':
      return sagaOrder.completeOrder;
  }
}

/** Delivers bag[index] to its step; the next message (if any) joins the bag. */
export async function deliver(
  model: SagaModel,
  system: SagaSystem,
  stats: ExplorationStats,
  index: number,
  faults: DeliveryFaults,
): Promise<void> {
  const entry = model.bag[index];
  if (!faults.keep) model.bag.splice(index, 1);
  stats.deliveries++;
  const message = system.lib.checkout.parseSagaMessage(overTheWire(entry.message));
  const label = `${entry.step}${message.refusal !== undefined ? ' (refusal)' : ''} of ${short(message.sagaId)}`;
  let outcome;
  try {
    outcome = await stepFunction(system, entry.step)(message);
  } catch (error) {
    // A step has an outcome for every message: the real handler would report the record as failed
    // and SQS would bring it back until its dead-letter queue, the saga stuck meanwhile. The only
    // throws by design, complete-order's saga unknown or order no longer held, are ruled out by
    // the guarantees (the saga record outlives its messages; a held order is never replaced).
    note(model, `deliver ${label}: threw ${(error as Error).message}`);
    throw new ModelViolation(model, [`${entry.step} of saga ${message.sagaId} failed: ${(error as Error).message}`]);
  }
  count(stats, `${entry.step} ${outcome.status}`);
  const next = system.lib.steps.nextMessage(entry.step, message, outcome);
  const sent = next !== null && !faults.crashBeforeSend;
  if (sent) model.bag.push({ step: next.step, message: JSON.parse(overTheWire(next.message)) });
  const what = next === null ? 'sends nothing' : sent ? `sends ${next.step}` : `crashed before sending ${next.step}`;
  note(model, `deliver ${label}${faults.keep ? ' (kept: duplicate later)' : ''}: ${outcome.status}, ${what}`);
}

/** What disturbs one replay at its `atWrite`-th recovery write (counted from 0). */
export type ReplayFault =
  | { kind: 'none' }
  | { kind: 'crash'; atWrite: number }
  | { kind: 'lose-lock'; atWrite: number; newerReplayRuns: boolean }
  | { kind: 'deliver'; atWrite: number; pick: number; keep: boolean };

export function describeFault(fault: ReplayFault): string {
  switch (fault.kind) {
    case 'none':
      return 'undisturbed';
    case 'crash':
      return `crash before write #${fault.atWrite}`;
    case 'lose-lock':
      return `lock lost before write #${fault.atWrite}${fault.newerReplayRuns ? ', a newer replay runs meanwhile' : ''}`;
    case 'deliver':
      return `before write #${fault.atWrite} deliver bag pick ${fault.pick}${fault.keep ? ' (kept)' : ''}`;
  }
}

/**
 * How a replay runs besides its faults: its host's clock off Redis's by `skewMs`, and its pages and
 * time budget (options recovery may or may not know: unknown ones are ignored, not refused).
 */
export interface ReplayTuning {
  skewMs?: number;
  sagaPage?: number;
  logPage?: number;
  budgetMs?: number;
}

export type ReplayReport = Awaited<ReturnType<SagaSystem['lib']['replay']['replayLog']>> & { more?: boolean };

/** One replay with staleMs 0, a short lock, its sends into the bag and the fault injected. */
export async function replay(
  model: SagaModel,
  system: SagaSystem,
  stats: ExplorationStats,
  fault: ReplayFault,
  label: string,
  tuning: ReplayTuning = {},
): Promise<ReplayReport> {
  const { lib } = system;
  let writes = 0;
  stats.replays++;
  const { skewMs, ...pages } = tuning;
  const clock: Pick<Parameters<typeof lib.replay.replayLog>[0] & object, 'now'> = skewMs ? { now: () => Date.now() + skewMs } : {};
  const report: ReplayReport = await lib.replay.replayLog({
    ...pages,
    ...clock,
    staleMs: 0,
    lockMs: REPLAY_LOCK_MS,
    send: async (step, message) => {
      model.bag.push({ step, message: JSON.parse(overTheWire(message)) });
    },
    beforeWrite: async (write, sagaId) => {
      const at = writes++;
      if (fault.kind === 'none' || at !== fault.atWrite) return;
      note(model, `${label}: ${describeFault(fault)} (${write} of ${short(sagaId)})`);
      if (fault.kind === 'crash') return 'crash';
      if (fault.kind === 'lose-lock') {
        await lib.redis.redisFor('order').del(LOCK_KEY);
        if (fault.newerReplayRuns) await replay(model, system, stats, { kind: 'none' }, `${label}'`);
        return;
      }
      const picked = pickNewest(model.bag, fault.pick);
      if (picked) await deliver(model, system, stats, picked.index, { keep: fault.keep, crashBeforeSend: false });
    },
  });
  for (const line of report.lines)
    count(stats, `replay ${line.action}${/^(stopped|crashed)/.test(line.result) ? ` (${line.result.split(':')[0]})` : ''}`);
  if (report.swept > 0) count(stats, 'replay swept markers');
  const lines = report.lines.map((line) => `${short(line.sagaId)} ${line.action}: ${line.result}`).join('; ');
  const how = report.ran ? `token ${report.token}` : 'did not run';
  note(
    model,
    `${label}: ${how}${report.note ? ` (${report.note})` : ''}${lines ? ` — ${lines}` : ''}${report.swept ? `; swept ${report.swept}` : ''}${report.more ? '; more to do' : ''}`,
  );
  return report;
}
