import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './http-client';

/** One checkout as the load generator saw it: when it began (s since the run began), how long it took, its status. */
export interface Sample {
  at: number;
  ms: number;
  status: number;
}

export interface PhaseResult {
  label: string;
  clients: number;
  seconds: number;
  checkouts: number;
  perSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  status: { '2xx': number; '4xx': number; '5xx': number };
  /** Where the phase sits on the run's time axis (s). */
  from: number;
  to: number;
}

export interface SecondBucket {
  second: number;
  checkouts: number;
  p50: number;
  p99: number;
}

export interface BenchResults {
  when: string;
  settings: Record<string, string | number>;
  phases: PhaseResult[];
  timeline: SecondBucket[];
  consistency?: string;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function summarise(label: string, clients: number, samples: Sample[], from: number, to: number): PhaseResult {
  const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
  const count = (low: number, high: number) => samples.filter((sample) => sample.status >= low && sample.status < high).length;
  const seconds = to - from;
  return {
    label,
    clients,
    seconds: round(seconds),
    checkouts: samples.length,
    perSecond: Math.round(samples.length / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? NaN),
    },
    status: { '2xx': count(200, 300), '4xx': count(400, 500), '5xx': count(500, 600) },
    from: round(from),
    to: round(to),
  };
}

/** Checkouts begun in each second of the run, with that second's p50 and p99. */
export function timeline(samples: Sample[]): SecondBucket[] {
  const buckets = new Map<number, number[]>();
  for (const sample of samples) {
    const second = Math.floor(sample.at);
    (buckets.get(second) ?? buckets.set(second, []).get(second)!).push(sample.ms);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, latencies]) => {
      const sorted = latencies.sort((a, b) => a - b);
      return {
        second,
        checkouts: sorted.length,
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
      };
    });
}

/** Latency (p50, p99) and throughput over time, one point a second, phases shaded: an SVG to compare runs by eye. */
export function timelineSvg(results: BenchResults): string {
  const width = 900;
  const height = 420;
  const left = 60;
  const right = 60;
  const top = 40;
  const bottom = 50;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const points = results.timeline;
  const lastSecond = Math.max(1, ...points.map((point) => point.second + 1), ...results.phases.map((phase) => phase.to));
  const maxLatency = Math.max(1, ...points.map((point) => point.p99));
  const maxRate = Math.max(1, ...points.map((point) => point.checkouts));
  const x = (second: number) => left + (second / lastSecond) * plotWidth;
  const yLatency = (ms: number) => top + plotHeight - (ms / maxLatency) * plotHeight;
  const yRate = (rate: number) => top + plotHeight - (rate / maxRate) * plotHeight;
  const line = (value: (point: SecondBucket) => number, color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.map((point) => `${x(point.second + 0.5).toFixed(1)},${value(point).toFixed(1)}`).join(' ')}"/>`;
  const phases = results.phases
    .map(
      (phase, index) =>
        `<rect x="${x(phase.from).toFixed(1)}" y="${top}" width="${(x(phase.to) - x(phase.from)).toFixed(1)}" height="${plotHeight}" fill="${index % 2 ? '#f4f4f8' : '#eef4ee'}"/><text x="${(x(phase.from) + 4).toFixed(1)}" y="${top + 14}" font-size="11" fill="#555">${phase.label}: ${phase.perSecond}/s, p50 ${phase.latencyMs.p50} ms, p99 ${phase.latencyMs.p99} ms</text>`,
    )
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (share) =>
        `<text x="${left - 6}" y="${(yLatency(share * maxLatency) + 4).toFixed(1)}" font-size="11" text-anchor="end">${Math.round(share * maxLatency)}</text><text x="${width - right + 6}" y="${(yRate(share * maxRate) + 4).toFixed(1)}" font-size="11">${Math.round(share * maxRate)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="${width}" height="${height}" fill="white"/>
<text x="${left}" y="22" font-size="14">sagashop bench ${results.when}: checkout latency (ms, left) and checkouts/s (right) per second</text>
${phases}
<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>
${ticks}
${line((point) => yRate(point.checkouts), '#2a9d8f')}
${line((point) => yLatency(point.p99), '#e76f51')}
${line((point) => yLatency(point.p50), '#264653')}
<text x="${left}" y="${height - 18}" font-size="11"><tspan fill="#264653">■ p50</tspan>  <tspan fill="#e76f51">■ p99</tspan>  <tspan fill="#2a9d8f">■ checkouts/s</tspan>  time axis: ${Math.round(lastSecond)} s</text>
</svg>
`;
}

/** Writes `<dir>/bench-<when>.json` and `.svg`; returns their paths. */
export function writeResults(dir: string, results: BenchResults): { json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `bench-${results.when.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${stem}.svg`, timelineSvg(results));
  return { json: `${stem}.json`, svg: `${stem}.svg` };
}
