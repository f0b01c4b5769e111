import type * as fc from 'fast-check';
import {
  COMMAND_DEADLINE_MS,
  describeError,
  ModelViolation,
  note,
  withinDeadline,
  type ExplorationStats,
  type SagaModel,
  type SagaSystem,
} from './model';
import { observe } from './observe';

/** What fast-check hands every command besides the model: the system and the shared counters. */
export interface Real {
  system: SagaSystem;
  stats: ExplorationStats;
}

/**
 * Every command acts through the real code, then the model reads the system back and checks what
 * must hold at every instant, so a violation is reported right after the command that caused it.
 */
export abstract class ModelCommand implements fc.AsyncCommand<SagaModel, Real> {
  check(_model: Readonly<SagaModel>): boolean {
    return true;
  }

  async run(model: SagaModel, real: Real): Promise<void> {
    note(model, `> ${this.toString()}`);
    try {
      await withinDeadline(this.act(model, real.system, real.stats), COMMAND_DEADLINE_MS, this.toString());
    } catch (error) {
      if (error instanceof ModelViolation) throw error;
      // Refusals are answers (see `answered`); anything else the real code throws is a defect.
      note(model, `  threw ${describeError(error)}`);
      throw new ModelViolation(model, [
        `${this.toString()} threw ${describeError(error)}`,
        ...real.system.crashes.map((crash) => `the process crashed: uncaught ${describeError(crash)}`),
      ]);
    }
    real.stats.commands++;
    await observe(model, real.system);
  }

  protected abstract act(model: SagaModel, system: SagaSystem, stats: ExplorationStats): Promise<void>;
  abstract toString(): string;
}

/** Runs a call the API may refuse (404, 409, 400...): a refusal is an answer, not a failure. */
export async function answered<T>(model: SagaModel, what: string, call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if ((error as Error).name !== 'Refusal') throw error;
    note(model, `  ${what}: refused (${(error as { kind?: string }).kind}): ${(error as Error).message}`);
    return undefined;
  }
}
