import { emitMetrics, MetricUnit } from '../lambda/observability';
import type { ScheduledInvocation } from '../lambda/scheduled-task';
import { redisNow } from '../store/redis-clock';
import { countOpenPastDeadline } from '../store/saga-order';
import { replayLog, type ReplayReport } from './recovery';

/** How many of a run's lines the scheduled function returns and logs: a backlog's run decides tens of thousands. */
const LINES_REPORTED = 200;
/** What a run leaves of its invocation's time for its last round's sweep, its metrics and its report. */
export const REPORT_RESERVE_MS = 30_000;

/**
 * The scheduled replay and its metrics: what it did to each open saga (ReplayActions by Action,
 * "failed" for a saga whose recovery threw), ReplayFailed (1 when the whole run threw, else the
 * sagas it could not handle), SagasSwept, OrphansGivenBack (reservations and charges whose saga the
 * order service did not know), ReplayBacklogLeft (1 when the run's budget ended with work left,
 * which the next run continues from the cursors), and OpenSagasPastDeadline: the open sagas past
 * their deadline once it ran, which the replay should have compensated. serverless.yml alarms on
 * ReplayFailed and OpenSagasPastDeadline being above 0 (deploy/alarms.ts). The report it returns
 * (and the invocation logs) keeps the first lines only, with `examined` counting them all.
 */
export async function replayWithMetrics({ log, remainingMs }: ScheduledInvocation): Promise<ReplayReport & { examined: number }> {
  let report: ReplayReport;
  try {
    // Rounds go on while the invocation has time: its timeout is the schedule's period
    // (serverless.yml), so under a backlog one run follows the other with no gap.
    report = await replayLog({ budgetMs: Math.max(0, remainingMs - REPORT_RESERVE_MS) });
  } catch (error) {
    emitMetrics({}, { ReplayFailed: [MetricUnit.Count, 1] });
    throw error;
  }
  const actions = new Map<string, number>();
  for (const line of report.lines) {
    const action = line.why === 'failed' ? 'failed' : line.action;
    actions.set(action, (actions.get(action) ?? 0) + 1);
  }
  for (const [action, count] of actions) emitMetrics({ Action: action }, { ReplayActions: [MetricUnit.Count, count] });
  const summary = {
    ReplayFailed: [MetricUnit.Count, actions.get('failed') ?? 0],
    SagasSwept: [MetricUnit.Count, report.swept],
    OrphansGivenBack: [MetricUnit.Count, report.orphans?.length ?? 0],
    ReplayBacklogLeft: [MetricUnit.Count, report.more ? 1 : 0],
  } satisfies Parameters<typeof emitMetrics>[1];
  try {
    emitMetrics(
      {},
      {
        ...summary,
        OpenSagasPastDeadline: [MetricUnit.Count, await countOpenPastDeadline(await redisNow('order'))],
      },
    );
  } catch (error) {
    // The replay's work stands; a missing gauge reads as "no data", which the alarm ignores.
    log.warn('replay-log: could not count the open sagas past their deadline', error as Error);
    emitMetrics({}, summary);
  }
  const { lines } = report;
  return {
    ...report,
    lines: lines.slice(0, LINES_REPORTED),
    examined: lines.length,
    ...(lines.length > LINES_REPORTED ? { linesLeftOut: lines.length - LINES_REPORTED } : {}),
  };
}
