// Reading the system back after every command (what the client was told, what the logs say, the
// balances) and, at the end of a run, settling it: every message delivered, every saga finished.
import { deliver, replay } from './actions';
import { safetyViolations, settledViolations } from './invariants';
import { count, describeError, ModelViolation, note, type ExplorationStats, type SagaModel, type SagaSystem } from './model';
import { LOCK_KEY } from './saga-lib';

/** Reads the logs and the verdicts, then checks what holds at every instant. */
export async function observe(model: SagaModel, system: SagaSystem): Promise<void> {
  await system.ledger.catchUp();
  const violations: string[] = [];
  const verdicts = await Promise.all(model.sagas.map((saga) => system.lib.sagaOrder.readVerdict(saga.sagaId)));
  model.sagas.forEach((saga, index) => {
    const verdict = verdicts[index];
    // A finished saga's record expires after the retention window: null then says nothing.
    if (verdict === null) return;
    if (saga.told === undefined) {
      saga.told = verdict.verdict;
      note(model, `  client of ${saga.sagaId} told: ${verdict.verdict}`);
    } else if (saga.told !== verdict.verdict) {
      violations.push(`the verdict of saga ${saga.sagaId} changed from ${saga.told} to ${verdict.verdict}`);
    }
  });
  violations.push(...system.crashes.map((crash) => `the process crashed: uncaught ${describeError(crash)}`));
  const state = await system.lib.inspection.readSystemState();
  violations.push(...safetyViolations(model, system.ledger, state));
  // The log audit of `npm run check`: every balance change is logged in the same script, so each
  // balance follows its chain of logged changes at every instant, not only at quiet ones.
  violations.push(...(await system.lib.inspection.auditLogs(state)).violations.map((line) => `log audit: ${line}`));
  if (violations.length > 0) throw new ModelViolation(model, violations);
}

const MAX_SETTLE_ROUNDS = 30;
const MAX_DELIVERIES_PER_ROUND = 2_000;

/**
 * Ends a run at a quiet moment: delivers every message still in the bag (each duplicate once
 * more, so late copies of finished sagas are tried too), lets the replay finish or compensate
 * every open saga, and repeats until nothing is open and nothing is in flight. Then the full
 * invariants must hold.
 */
export async function settle(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void> {
  note(model, 'settle: deliver everything, replay until no saga is open');
  const order = system.lib.redis.redisFor('order');
  for (let round = 0; ; round++) {
    for (let delivered = 0; model.bag.length > 0; delivered++) {
      if (delivered >= MAX_DELIVERIES_PER_ROUND)
        throw new ModelViolation(model, [`messages keep coming: ${model.bag.length} still in flight after ${delivered} deliveries`]);
      await deliver(model, system, stats, 0, { keep: false, crashBeforeSend: false });
    }
    await observe(model, system);
    const open = await order.zrange(system.lib.sagaOrder.OPEN_SAGAS_KEY, 0, -1);
    if (open.length === 0) break;
    if (round >= MAX_SETTLE_ROUNDS) throw new ModelViolation(model, [`sagas still open after ${round} replays: ${open.join(', ')}`]);
    // A replay that crashed left its lock to expire on its own: that moment, now.
    await order.del(LOCK_KEY);
    await replay(model, system, stats, { kind: 'none' }, 'settling replay');
    await observe(model, system);
  }
  const state = await system.lib.inspection.readSystemState();
  const violations = settledViolations(model, system.ledger, state, system.lib.invariants.checkInvariants);
  if (violations.length > 0) throw new ModelViolation(model, violations);
  for (const saga of model.sagas)
    count(stats, `saga ${system.ledger.of(saga.sagaId).verdicts[0]}${saga.deadline === 'tiny' ? ' (tiny deadline)' : ''}`);
  note(model, 'settled: every invariant holds');
}
