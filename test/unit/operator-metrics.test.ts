import type { LogEntry } from '@lib/domain/log-audit';
import { CheckoutMetrics, percentile } from '../../lib/domain/checkout-metrics';

let seq = 0;
const entry = (fields: Record<string, string | number>): LogEntry => ({
  service: 'order',
  id: `${fields.t}-${seq++}`,
  fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)])),
});
const begin = (saga: string, t: number) => entry({ step: 'begin-checkout', saga, order: `o-${saga}`, t });
const complete = (saga: string, t: number, verdict = 'paid', recovery = '') =>
  entry({ step: 'complete-order', saga, verdict, recovery, t });

const NOW = 1_700_000_000_000;

describe('checkout metrics from the order log', () => {
  it('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('latency is complete − begin per saga; throughput per second; p50/p99 per 5-s bucket', () => {
    const metrics = new CheckoutMetrics(60_000);
    const entries: LogEntry[] = [];
    // 100 sagas finished in the last 5-s bucket, latencies 1..100 ms; 2 refused, one by the replay.
    for (let i = 1; i <= 100; i++)
      entries.push(begin(`s${i}`, NOW - 3_000), complete(`s${i}`, NOW - 3_000 + i, i <= 2 ? 'refused' : 'paid', i === 1 ? '4' : ''));
    metrics.add(entries);
    const snap = metrics.snapshot(NOW);
    expect(snap.perSecond.counts).toHaveLength(60);
    expect(snap.perSecond.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(snap.perSecond.start + 59 * 1000).toBe(Math.floor(NOW / 1000) * 1000);
    const last = snap.latency.p50.length - 1;
    const filled = snap.latency.counts.findIndex((count) => count > 0);
    expect(snap.latency.counts[filled]).toBe(100);
    expect([snap.latency.p50[filled], snap.latency.p99[filled]]).toEqual([50, 99]);
    expect(snap.latency.p50.filter((value) => value !== null)).toHaveLength(1);
    expect(filled).toBeLessThanOrEqual(last);
    expect(snap.totals).toMatchObject({
      begun: 100,
      finished: 100,
      paid: 98,
      refused: 2,
      byReplay: 1,
      p50: 50,
      p99: 99,
      perSecondLast10s: 10,
    });
  });

  it('counts a verdict whose begin it never read, without a latency', () => {
    const metrics = new CheckoutMetrics(60_000);
    metrics.add([complete('old', NOW - 1_000, 'refused', '9')]);
    expect(metrics.snapshot(NOW).totals).toMatchObject({
      finished: 1,
      refused: 1,
      byReplay: 1,
      p50: null,
      p99: null,
    });
  });

  it('forgets what falls out of the window, read incrementally across snapshots', () => {
    const metrics = new CheckoutMetrics(60_000);
    metrics.add([begin('a', NOW - 50_000), complete('a', NOW - 49_990)]);
    metrics.add([begin('b', NOW - 1_000)]);
    expect(metrics.snapshot(NOW).totals).toMatchObject({ begun: 2, finished: 1, p50: 10 });
    metrics.add([complete('b', NOW + 20_000)]);
    const later = metrics.snapshot(NOW + 30_000);
    // a finished 79.99 s before: gone; b begun 31 s before, finished 10 s before with 21 s latency.
    expect(later.totals).toMatchObject({ begun: 1, finished: 1, p50: 21_000, p99: 21_000 });
  });
});
