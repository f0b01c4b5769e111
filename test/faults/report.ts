import { appendFileSync } from 'node:fs';
import { describeResult, type ScenarioResult } from '../../scripts/chaos/harness';

/** Prints a scenario's verdict line, and keeps it in CHAOS_REPORT (a file) when that is set. */
export function report(result: ScenarioResult): void {
  const line = describeResult(result);
  console.log(line + (result.problems.length ? `\n  ${result.problems.slice(0, 10).join('\n  ')}` : ''));
  if (process.env.CHAOS_REPORT) appendFileSync(process.env.CHAOS_REPORT, `${line}\n`);
}
