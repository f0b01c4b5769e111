// What the operator's page (and `npm run saga`, `check`, `recover` with --stage or --api) asks
// for, answered through the same store code the functions use: by the page's local server
// (scripts/operator/server.ts) and, on AWS, by the operator function (functions/http/ops).
// Reads only, except the two buttons: the replay (the scheduled function's own code) and moving
// dead-letter messages back. Nothing here writes a balance.
import { checkInvariants } from '../domain/invariants';
import { auditLogs, readSystemState } from '../store/inspection';
import { describeEntry, formatHistory, standing, type HistoryLine } from '../domain/saga-history';
import { replayLog, type ReplayReport } from '../saga/recovery';
import { readLog } from '../store/log-reader';
import { openSagaOverview, type OpenSagaOverview } from '../store/saga-overview';
import { readSagaHistory, sagasNamedBy } from '../store/saga-history';
import { HISTORY_ORDER } from '../saga/definition';
import { CheckoutMetrics, WINDOW_MS, type MetricsSnapshot } from '../domain/checkout-metrics';
import { queueDepths, redrive, type QueueDepths, type RedriveResult } from '../saga/queue-inspection';
import type { StepName } from '../saga/steps';

export interface Overview {
  metrics: MetricsSnapshot;
  sagas: OpenSagaOverview;
  queues: QueueDepths[];
  /** Order-log entries read for this answer (0 when nothing new). */
  logRead: number;
  stage: string;
}

/** What `npm run check` prints, as data: the invariants' verdict and the log audit. */
export interface CheckReport {
  ok: boolean;
  summary: string;
  /** The first CHECK_VIOLATIONS_SHOWN violations of both; `violationCount` counts them all. */
  violations: string[];
  violationCount: number;
  audit: { audited: number; violations: number };
}

export const CHECK_VIOLATIONS_SHOWN = 50;

export interface SagaView {
  sagaId: string;
  record: Record<string, string>;
  lines: HistoryLine[];
  standing: string;
  /** Exactly what `npm run saga` prints for it. */
  text: string;
}

const msPart = (id: string) => Number(id.split('-')[0]);

/**
 * Follows the order log from a cursor held in memory: the first read starts at the window's
 * beginning, later ones after the last entry read. It reads only when asked (the page polls),
 * at most once per `minIntervalMs`, however many pages are open; after a pause it skips to the
 * window rather than read what the chart would not show.
 */
export class OperatorApi {
  private readonly metrics = new CheckoutMetrics(WINDOW_MS);
  private cursor: string | null = null;
  private cached: { at: number; overview: Promise<Overview>; running: boolean } | null = null;

  constructor(private readonly options: { now?: () => number; minIntervalMs?: number; stage?: string } = {}) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async follow(now: number): Promise<number> {
    const from = now - WINDOW_MS;
    if (this.cursor === null || msPart(this.cursor) < from) this.cursor = `${from}-0`;
    let read = 0;
    this.cursor = await readLog('order', this.cursor, (page) => {
      read += page.length;
      this.metrics.add(page);
    });
    return read;
  }

  overview(): Promise<Overview> {
    const now = this.now();
    // A read still running is joined, however old: two reads from one cursor would count twice.
    if (this.cached && (this.cached.running || now - this.cached.at < (this.options.minIntervalMs ?? 1_000))) return this.cached.overview;
    const overview = (async () => {
      const [logRead, sagas, queues] = await Promise.all([this.follow(now), openSagaOverview(now), queueDepths()]);
      return {
        metrics: this.metrics.snapshot(now),
        sagas,
        queues,
        logRead,
        stage: this.options.stage ?? process.env.STAGE ?? 'local',
      };
    })();
    const cached = { at: now, overview, running: true };
    this.cached = cached;
    overview.then(
      () => (cached.running = false),
      () => this.cached === cached && (this.cached = null),
    );
    return overview;
  }

  /** The next overview reads afresh (after a read still running, if one is). */
  private invalidate(): void {
    if (this.cached) this.cached.at = -Infinity;
  }

  /** Every saga an order or saga id names, with its history from the three logs. */
  async saga(id: string): Promise<{ id: string; sagas: SagaView[] }> {
    const sagaIds = await sagasNamedBy(id);
    const sagas = await Promise.all(
      sagaIds.map(async (sagaId) => {
        const history = await readSagaHistory(sagaId, HISTORY_ORDER);
        return {
          sagaId,
          record: history.record,
          lines: history.entries.map(describeEntry),
          standing: standing(history),
          text: formatHistory(history),
        };
      }),
    );
    return { id, sagas };
  }

  /** The scheduled replay's own code, now; its default staleness and budget unless given. */
  async replay(options: { staleMs?: number; budgetMs?: number } = {}): Promise<ReplayReport & { ms: number }> {
    const began = this.now();
    const report = await replayLog(options);
    this.invalidate();
    return { ...report, ms: this.now() - began };
  }

  /** Every invariant of the HTTP contract over the whole state, and the log audit. */
  async check(): Promise<CheckReport> {
    const state = await readSystemState();
    const verdict = checkInvariants(state);
    const audit = await auditLogs(state);
    const violations = [...verdict.violations, ...audit.violations];
    return {
      ok: verdict.ok && audit.violations.length === 0,
      summary: verdict.summary,
      violations: violations.slice(0, CHECK_VIOLATIONS_SHOWN),
      violationCount: violations.length,
      audit: { audited: audit.audited, violations: audit.violations.length },
    };
  }

  async redrive(step: StepName): Promise<RedriveResult> {
    const result = await redrive(step);
    this.invalidate();
    return result;
  }
}
