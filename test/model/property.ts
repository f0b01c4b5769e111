// One run of the model: a clean database, the batch_init universe, the generated commands (each
// followed by the instant checks), then settling and the full invariants. Shared by the jest test
// (test/model/saga-model.test.ts) and the longer exploration (scripts/explore.ts).
import * as fc from 'fast-check';
import { sagaCommands, type CommandChoices } from './commands';
import type { Real } from './command-base';
import {
  BATCH_ITEM_PRICE,
  BATCH_ITEM_STOCK,
  BATCH_ITEMS,
  BATCH_USER_CREDIT,
  BATCH_USERS,
  newModel,
  newSystem,
  withinDeadline,
  type ExplorationStats,
  type SagaModel,
} from './model';
import { settle } from './observe';
import type { SagaLib } from './saga-lib';

export interface ModelRunOptions {
  maxCommands: number;
  /** fast-check's replayPath for the command sequences, from a failure report. */
  replayPath?: string;
  choices?: CommandChoices;
  /** Called after every run that held every invariant, with how long it took and what happened. */
  onRunPassed?: (elapsedMs: number, trace: string[]) => void;
}

const ID_COUNTER_KEY = '{ids}:next';
const SETTLE_DEADLINE_MS = 60_000;

async function startFromScratch(lib: SagaLib): Promise<void> {
  const services = ['stock', 'payment', 'order', 'ids'] as const;
  // The id counter survives: this process still holds a block of ids drawn from it, and a counter
  // that went back would hand those ids out again (harmless, creates skip them, but noisy).
  const counter = await lib.redis.redisFor('ids').get(ID_COUNTER_KEY);
  await Promise.all(services.map((service) => lib.redis.redisFor(service).flushdb()));
  if (counter !== null) await lib.redis.redisFor('ids').set(ID_COUNTER_KEY, counter);
  await lib.stockStore.batchInitItems(BATCH_ITEMS, BATCH_ITEM_STOCK, BATCH_ITEM_PRICE);
  await lib.paymentStore.batchInitUsers(BATCH_USERS, BATCH_USER_CREDIT);
}

/** The property: whatever the interleaving, every guarantee of the saga holds. */
export function sagaModelProperty(lib: SagaLib, stats: ExplorationStats, options: ModelRunOptions) {
  return fc.asyncProperty(sagaCommands(options.maxCommands, options.replayPath, options.choices), async (sequence) => {
    const started = Date.now();
    const trace = await runCommands(lib, stats, sequence);
    options.onRunPassed?.(Date.now() - started, trace);
  });
}

/** One run of the given commands from scratch, settled and checked; returns its history. */
export async function runCommands(
  lib: SagaLib,
  stats: ExplorationStats,
  sequence: Iterable<fc.AsyncCommand<SagaModel, Real>>,
): Promise<string[]> {
  stats.runs++;
  await startFromScratch(lib);
  const model = newModel(`m${stats.runs}`);
  const system = newSystem(lib);
  // An error thrown inside a library callback reaches no caller: in production it ends the
  // process. Here it is collected and reported as a violation after the command that caused it.
  const crashed = (error: unknown) => void system.crashes.push(error instanceof Error ? error : new Error(String(error)));
  process.on('uncaughtException', crashed);
  process.on('unhandledRejection', crashed);
  try {
    await fc.asyncModelRun(() => ({ model, real: { system, stats } }), sequence);
    await withinDeadline(settle(model, system, stats), SETTLE_DEADLINE_MS, 'settling');
  } finally {
    process.off('uncaughtException', crashed);
    process.off('unhandledRejection', crashed);
  }
  return model.trace;
}
