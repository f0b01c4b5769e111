// Checkout throughput, latency and verdicts over the last minutes, from the order log's entries:
// begin-checkout (t, saga, order) and complete-order (t, saga, verdict, recovery). Pure: the page
// server feeds it what it reads incrementally from the log and asks for a snapshot.
import type { LogEntry } from './log-audit';

export const WINDOW_MS = 5 * 60_000;
/** Throughput is counted per second; latency percentiles per bucket of this many ms. */
export const LATENCY_BUCKET_MS = 5_000;

interface Finished {
  t: number;
  /** complete.t − begin.t, or -1 when the begin was before what we read. */
  latency: number;
  paid: boolean;
  byReplay: boolean;
}

export interface MetricsSnapshot {
  now: number;
  windowMs: number;
  /** Checkouts finished in each second of the window, oldest first; the first second starts at `start`. */
  perSecond: { start: number; counts: number[] };
  /** p50 / p99 latency (ms) of the checkouts finished in each bucket; null for an empty bucket. */
  latency: {
    start: number;
    bucketMs: number;
    p50: (number | null)[];
    p99: (number | null)[];
    counts: number[];
  };
  /** Over the whole window. */
  totals: {
    begun: number;
    finished: number;
    paid: number;
    refused: number;
    byReplay: number;
    p50: number | null;
    p99: number | null;
    perSecondLast10s: number;
  };
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export class CheckoutMetrics {
  private readonly begins = new Map<string, number>();
  private readonly beginTimes: number[] = [];
  private finished: Finished[] = [];

  constructor(private readonly windowMs = WINDOW_MS) {}

  /** Entries of the order log, in log order. Other steps are ignored. */
  add(entries: LogEntry[]): void {
    for (const { fields } of entries) {
      const t = Number(fields.t);
      if (!Number.isFinite(t)) continue;
      if (fields.step === 'begin-checkout') {
        this.begins.set(fields.saga, t);
        this.beginTimes.push(t);
      } else if (fields.step === 'complete-order') {
        const begun = this.begins.get(fields.saga);
        this.begins.delete(fields.saga);
        this.finished.push({
          t,
          latency: begun === undefined ? -1 : Math.max(0, t - begun),
          paid: fields.verdict === 'paid',
          byReplay: Boolean(fields.recovery),
        });
      }
    }
  }

  /** Forgets what lies before the window (a begin stays while its saga may still finish). */
  prune(now: number): void {
    const from = now - this.windowMs;
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop].t < from) drop++;
    if (drop > 0) this.finished = this.finished.slice(drop);
    let dropBegins = 0;
    while (dropBegins < this.beginTimes.length && this.beginTimes[dropBegins] < from) dropBegins++;
    if (dropBegins > 0) this.beginTimes.splice(0, dropBegins);
    // A saga that began two windows ago and is still open no longer gives a latency on the chart.
    for (const [saga, t] of this.begins) if (t < from - this.windowMs) this.begins.delete(saga);
  }

  snapshot(now: number): MetricsSnapshot {
    this.prune(now);
    const seconds = Math.ceil(this.windowMs / 1000);
    const nowSecond = Math.floor(now / 1000) * 1000;
    const secondStart = nowSecond - (seconds - 1) * 1000;
    const counts = new Array<number>(seconds).fill(0);
    const bucketCount = Math.ceil(this.windowMs / LATENCY_BUCKET_MS);
    const lastBucket = Math.floor(now / LATENCY_BUCKET_MS) * LATENCY_BUCKET_MS;
    const bucketStart = lastBucket - (bucketCount - 1) * LATENCY_BUCKET_MS;
    const perBucket: number[][] = Array.from({ length: bucketCount }, () => []);
    const all: number[] = [];
    let paid = 0;
    let byReplay = 0;
    let last10s = 0;
    for (const done of this.finished) {
      if (done.t > now) continue;
      const second = Math.floor((done.t - secondStart) / 1000);
      if (second >= 0) counts[second]++;
      if (done.t > now - 10_000) last10s++;
      if (done.paid) paid++;
      if (done.byReplay) byReplay++;
      if (done.latency < 0) continue;
      const bucket = Math.floor((done.t - bucketStart) / LATENCY_BUCKET_MS);
      if (bucket >= 0) perBucket[bucket].push(done.latency);
      all.push(done.latency);
    }
    const ascending = (values: number[]) => values.sort((a, b) => a - b);
    const sortedBuckets = perBucket.map(ascending);
    ascending(all);
    return {
      now,
      windowMs: this.windowMs,
      perSecond: { start: secondStart, counts },
      latency: {
        start: bucketStart,
        bucketMs: LATENCY_BUCKET_MS,
        p50: sortedBuckets.map((values) => percentile(values, 0.5)),
        p99: sortedBuckets.map((values) => percentile(values, 0.99)),
        counts: sortedBuckets.map((values) => values.length),
      },
      totals: {
        begun: this.beginTimes.filter((t) => t <= now).length,
        finished: this.finished.length,
        paid,
        refused: this.finished.length - paid,
        byReplay,
        p50: percentile(all, 0.5),
        p99: percentile(all, 0.99),
        perSecondLast10s: last10s / 10,
      },
    };
  }
}
