// The model's state: what the test knows and what it has told the client. The system under test
// is Redis with the real Lua scripts and step functions; the model holds only ids, the sagas it
// began, the verdicts it read, and the simulated queue (the bag of messages in flight).
import { Ledger } from './ledger';
import type { Snapshot } from './lost-writes';
import type { SagaLib, SagaMessage, StepName } from './saga-lib';

export interface SagaRecord {
  sagaId: string;
  orderId: string;
  /** Which version of the order it checked out: batch_init replaces an order whole. */
  incarnation: number;
  facts: SagaMessage;
  deadline: 'long' | 'tiny';
  /** The verdict the client was told: the first non-null verdict read back. */
  told?: 'paid' | 'refused';
}

/** A message in flight. Delivery may duplicate, reorder, delay or drop it. */
export interface BagEntry {
  step: StepName;
  message: SagaMessage;
}

export interface SagaModel {
  runId: string;
  items: string[];
  prices: Map<string, number>;
  users: string[];
  orders: string[];
  orderIncarnation: Map<string, number>;
  sagas: SagaRecord[];
  bag: BagEntry[];
  /** What a crash of Redis's host would go back to, where the durability setting allows a loss. */
  durablePoint?: Snapshot;
  /** What happened, command by command: printed with any violation. */
  trace: string[];
}

export interface SagaSystem {
  lib: SagaLib;
  ledger: Ledger;
  /**
   * Errors thrown where no caller can catch them (inside a library's callback): in a Lambda or in
   * `sls offline` they would end the process. Collected while a run lasts (see property.ts).
   */
  crashes: Error[];
}

/** Counters shared by every run of one exploration, for progress and the final report. */
export interface ExplorationStats {
  runs: number;
  commands: number;
  deliveries: number;
  replays: number;
  sagas: number;
  /** How sagas ended, and how step deliveries and recovery actions came out ("charge-payment expired"). */
  outcomes: Record<string, number>;
}

export const newStats = (): ExplorationStats => ({
  runs: 0,
  commands: 0,
  deliveries: 0,
  replays: 0,
  sagas: 0,
  outcomes: {},
});

export function count(stats: ExplorationStats, outcome: string): void {
  stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
}

/** Items "0" and "1" and users "0" and "1" exist from the start, so batch_init's orders can be paid. */
export const BATCH_ITEMS = 2;
export const BATCH_USERS = 2;
export const BATCH_ITEM_STOCK = 6;
export const BATCH_ITEM_PRICE = 2;
export const BATCH_USER_CREDIT = 20;

export function newModel(runId: string): SagaModel {
  const items = Array.from({ length: BATCH_ITEMS }, (_, index) => String(index));
  return {
    runId,
    items,
    prices: new Map(items.map((item) => [item, BATCH_ITEM_PRICE])),
    users: Array.from({ length: BATCH_USERS }, (_, index) => String(index)),
    orders: [],
    orderIncarnation: new Map(),
    sagas: [],
    bag: [],
    trace: [],
  };
}

export function newSystem(lib: SagaLib): SagaSystem {
  return { lib, ledger: new Ledger(lib), crashes: [] };
}

export function note(model: SagaModel, line: string): void {
  model.trace.push(line);
}

/** Picks one of `list` by a generated number; 0 (what shrinking goes to) is the newest. */
export function pickNewest<T>(list: T[], pick: number): { index: number; value: T } | null {
  if (list.length === 0) return null;
  const index = list.length - 1 - (pick % list.length);
  return { index, value: list[index] };
}

/** "Error: message", for violations that quote what was thrown. */
export const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** How long one command may take: a replay whose promise never settles would otherwise hang the run. */
export const COMMAND_DEADLINE_MS = 15_000;

export async function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const TRACE_LINES = 60;

/** A broken guarantee: the message names each violation and the run's recent history. */
export class ModelViolation extends Error {
  constructor(model: SagaModel, violations: string[]) {
    const trace = model.trace.slice(-TRACE_LINES);
    const skipped = model.trace.length - trace.length;
    super(
      [
        `${violations.length} violation(s) in run ${model.runId}:`,
        ...violations.map((violation) => `  - ${violation}`),
        `what happened${skipped > 0 ? ` (last ${TRACE_LINES} of ${model.trace.length} lines)` : ''}:`,
        ...trace.map((line) => `    ${line}`),
      ].join('\n'),
    );
    this.name = 'ModelViolation';
  }
}
